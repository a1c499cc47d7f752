"""The first fair-trial checklist (DOMAIN.md section 10), as the migration seeds it.

Consolidated from the OHCHR Training Manual on Human Rights Monitoring (ch. XIII), the OSCE/ODIHR
Trial Monitoring Reference Manual and Legal Digest of International Fair Trial Rights, the ICJ
Trial Observation Manual, and ICCPR arts. 9, 14 and 15 with Human Rights Committee General
Comment 32 (GC 32). Frozen: the migration imports it, so a change here needs a new migration
and a new checklist version, never an edit of this list.
"""

# (code, section, English question, Khmer question, standard)
ITEMS = [
    (
        "logistics-announced",
        "logistics",
        "The hearing was announced in advance and held at the time and place announced.",
        "សវនាការត្រូវបានប្រកាសជាមុន ហើយបានប្រព្រឹត្តទៅតាមពេលវេលា និងទីកន្លែងដែលបានប្រកាស។",
        "ICCPR art. 14(1); GC 32 para. 28",
    ),
    (
        "logistics-monitor-access",
        "logistics",
        "The monitor was admitted to the courtroom without obstruction.",
        "អ្នកតាមដានត្រូវបានអនុញ្ញាតឱ្យចូលបន្ទប់សវនាការដោយគ្មានការរារាំង។",
        "UN Declaration on Human Rights Defenders art. 9(3)(b)",
    ),
    (
        "logistics-public",
        "logistics",
        "Members of the public and the defendants' families were admitted.",
        "សាធារណជន និងក្រុមគ្រួសាររបស់ជនជាប់ចោទត្រូវបានអនុញ្ញាតឱ្យចូល។",
        "ICCPR art. 14(1); GC 32 para. 29",
    ),
    (
        "logistics-media",
        "logistics",
        "Journalists were admitted and could report on the hearing.",
        "អ្នកសារព័ត៌មានត្រូវបានអនុញ្ញាតឱ្យចូល និងអាចរាយការណ៍អំពីសវនាការ។",
        "ICCPR arts. 14(1), 19",
    ),
    (
        "logistics-security",
        "logistics",
        "The security presence was proportionate and did not intimidate anyone.",
        "វត្តមានកងកម្លាំងសន្តិសុខសមាមាត្រ ហើយមិនបានបំភិតបំភ័យនរណាម្នាក់ឡើយ។",
        "ICCPR art. 14(1); GC 32 para. 25",
    ),
    (
        "pretrial-lawful-arrest",
        "pretrial",
        "The arrest was lawful: with a warrant, or in flagrante delicto.",
        "ការចាប់ខ្លួនស្របច្បាប់៖ មានដីកា ឬក្នុងករណីបទល្មើសជាក់ស្ដែង។",
        "ICCPR art. 9(1); CCPC art. 96",
    ),
    (
        "pretrial-informed",
        "pretrial",
        "The defendant was promptly told the reasons for the arrest and the charges.",
        "ជនជាប់ចោទត្រូវបានជូនដំណឹងភ្លាមៗអំពីមូលហេតុនៃការចាប់ខ្លួន និងការចោទប្រកាន់។",
        "ICCPR arts. 9(2), 14(3)(a)",
    ),
    (
        "pretrial-before-judge",
        "pretrial",
        "The defendant was brought promptly before a judge (police custody within its limit).",
        "ជនជាប់ចោទត្រូវបាននាំខ្លួនមកជួបចៅក្រមភ្លាមៗ (ការឃាត់ខ្លួនមិនហួសកំណត់)។",
        "ICCPR art. 9(3); CCPC art. 96",
    ),
    (
        "pretrial-detention-justified",
        "pretrial",
        "Pretrial detention was justified and reviewed, not the rule; bail was considered.",
        "ការឃុំខ្លួនបណ្ដោះអាសន្នមានហេតុផលសមស្រប និងត្រូវបានពិនិត្យឡើងវិញ មិនមែនជាគោលការណ៍ទូទៅ ហើយការដោះលែងឱ្យនៅក្រៅឃុំត្រូវបានពិចារណា។",
        "ICCPR art. 9(3); CCPC arts. 203-205",
    ),
    (
        "pretrial-no-ill-treatment",
        "pretrial",
        "No incommunicado detention or ill-treatment was alleged.",
        "គ្មានការចោទប្រកាន់អំពីការឃុំខ្លួនដាច់ពីពិភពខាងក្រៅ ឬការធ្វើបាបឡើយ។",
        "ICCPR arts. 7, 10; CAT art. 15",
    ),
    (
        "pretrial-counsel",
        "pretrial",
        "The defendant had access to a lawyer of their choice from the start.",
        "ជនជាប់ចោទអាចជួបមេធាវីដែលខ្លួនជ្រើសរើសតាំងពីដំបូង។",
        "ICCPR art. 14(3)(b), (d)",
    ),
    (
        "pretrial-family",
        "pretrial",
        "The defendant could contact and be visited by family.",
        "ជនជាប់ចោទអាចទាក់ទង និងទទួលការសួរសុខទុក្ខពីក្រុមគ្រួសារ។",
        "UN Body of Principles on Detention, principles 15, 16, 19",
    ),
    (
        "pretrial-preparation",
        "pretrial",
        "The defence had adequate time and facilities, including access to the case file.",
        "មេធាវីការពារក្ដីមានពេលវេលា និងមធ្យោបាយគ្រប់គ្រាន់ រួមទាំងការចូលមើលសំណុំរឿង។",
        "ICCPR art. 14(3)(b)",
    ),
    (
        "hearing-tribunal",
        "hearing",
        "The tribunal appeared competent, independent and impartial.",
        "តុលាការហាក់ដូចជាមានសមត្ថកិច្ច ឯករាជ្យ និងមិនលំអៀង។",
        "ICCPR art. 14(1); GC 32 paras. 18-21",
    ),
    (
        "hearing-public",
        "hearing",
        "The hearing was public, or its closure was justified and announced.",
        "សវនាការធ្វើជាសាធារណៈ ឬការបិទទ្វារមានហេតុផល និងត្រូវបានប្រកាស។",
        "ICCPR art. 14(1)",
    ),
    (
        "hearing-presumption",
        "hearing",
        "The presumption of innocence was respected (no cage, handcuffs or prison uniform; "
        "no prejudicial statements by officials).",
        "គោលការណ៍សន្មតថាគ្មានទោសត្រូវបានគោរព (គ្មានទ្រុង ខ្នោះដៃ ឬឯកសណ្ឋានអ្នកទោស "
        "គ្មានការថ្លែងរបស់មន្ត្រីដែលប៉ះពាល់)។",
        "ICCPR art. 14(2); GC 32 para. 30",
    ),
    (
        "hearing-equality-of-arms",
        "hearing",
        "Equality of arms: the defence could present its case and answer the prosecution's.",
        "សមភាពនៃមធ្យោបាយ៖ មេធាវីការពារក្ដីអាចបង្ហាញអំណះអំណាង និងឆ្លើយតបនឹងព្រះរាជអាជ្ញា។",
        "ICCPR art. 14(1), (3)(e)",
    ),
    (
        "hearing-defendant-present",
        "hearing",
        "The defendant was present (a trial in absentia only after proper notice).",
        "ជនជាប់ចោទមានវត្តមាន (ការជំនុំជម្រះកំបាំងមុខ លុះត្រាតែមានការជូនដំណឹងត្រឹមត្រូវ)។",
        "ICCPR art. 14(3)(d)",
    ),
    (
        "hearing-counsel-present",
        "hearing",
        "Defence counsel was present and allowed to act.",
        "មេធាវីការពារក្ដីមានវត្តមាន និងត្រូវបានអនុញ្ញាតឱ្យបំពេញតួនាទី។",
        "ICCPR art. 14(3)(d)",
    ),
    (
        "hearing-interpreter",
        "hearing",
        "An interpreter was provided when needed.",
        "អ្នកបកប្រែត្រូវបានផ្ដល់ជូននៅពេលចាំបាច់។",
        "ICCPR art. 14(3)(f)",
    ),
    (
        "hearing-witnesses",
        "hearing",
        "The defence could examine the prosecution's witnesses and call its own.",
        "មេធាវីការពារក្ដីអាចសួរសាក្សីរបស់ព្រះរាជអាជ្ញា និងកោះហៅសាក្សីរបស់ខ្លួន។",
        "ICCPR art. 14(3)(e)",
    ),
    (
        "hearing-no-coercion",
        "hearing",
        "No one was compelled to testify against themselves; confessions said to be coerced "
        "were excluded.",
        "គ្មាននរណាត្រូវបង្ខំឱ្យផ្ដល់សក្ខីកម្មប្រឆាំងនឹងខ្លួនឯង ហើយចម្លើយសារភាពដែល"
        "ត្រូវបានអះអាងថាដោយបង្ខិតបង្ខំ ត្រូវបានដកចេញ។",
        "ICCPR art. 14(3)(g); CAT art. 15",
    ),
    (
        "hearing-no-retroactivity",
        "hearing",
        "The charges rest on law in force when the acts took place.",
        "ការចោទប្រកាន់ផ្អែកលើច្បាប់ដែលមានជាធរមាននៅពេលអំពើបានកើតឡើង។",
        "ICCPR art. 15",
    ),
    (
        "hearing-expression",
        "hearing",
        "The charges do not punish the peaceful exercise of expression, assembly or association.",
        "ការចោទប្រកាន់មិនដាក់ទោសលើការប្រើប្រាស់សិទ្ធិបញ្ចេញមតិ ការជួបប្រជុំ ឬការបង្កើតសមាគមដោយសន្តិវិធីឡើយ។",
        "ICCPR arts. 19, 21, 22",
    ),
    (
        "hearing-undue-delay",
        "hearing",
        "The trial proceeds without undue delay.",
        "ការជំនុំជម្រះប្រព្រឹត្តទៅដោយគ្មានការពន្យារពេលហួសហេតុ។",
        "ICCPR art. 14(3)(c); GC 32 para. 35",
    ),
    (
        "posttrial-reasoned-judgment",
        "posttrial",
        "The judgment was reasoned and delivered in public.",
        "សាលក្រមមានសំអាងហេតុ និងត្រូវបានប្រកាសជាសាធារណៈ។",
        "ICCPR art. 14(1); GC 32 para. 29",
    ),
    (
        "posttrial-evidence",
        "posttrial",
        "The verdict rests on evidence examined in court.",
        "សាលក្រមផ្អែកលើភស្តុតាងដែលបានពិនិត្យនៅក្នុងតុលាការ។",
        "ICCPR art. 14(2)",
    ),
    (
        "posttrial-sentence",
        "posttrial",
        "The sentence is within the law and proportionate.",
        "ទោសស្ថិតក្នុងក្របខណ្ឌច្បាប់ និងសមាមាត្រ។",
        "ICCPR art. 15; Criminal Code",
    ),
    (
        "posttrial-appeal-informed",
        "posttrial",
        "The defendant was told of the right to appeal and its deadline.",
        "ជនជាប់ចោទត្រូវបានជូនដំណឹងអំពីសិទ្ធិប្ដឹងឧទ្ធរណ៍ និងកាលកំណត់របស់វា។",
        "ICCPR art. 14(5)",
    ),
]
