"""Courts and places of detention."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import FuzzyDatesModel, SoftDeletable, deleted_index


class Province(models.TextChoices):
    BANTEAY_MEANCHEY = "banteay_meanchey", _("Banteay Meanchey")
    BATTAMBANG = "battambang", _("Battambang")
    KAMPONG_CHAM = "kampong_cham", _("Kampong Cham")
    KAMPONG_CHHNANG = "kampong_chhnang", _("Kampong Chhnang")
    KAMPONG_SPEU = "kampong_speu", _("Kampong Speu")
    KAMPONG_THOM = "kampong_thom", _("Kampong Thom")
    KAMPOT = "kampot", _("Kampot")
    KANDAL = "kandal", _("Kandal")
    KEP = "kep", _("Kep")
    KOH_KONG = "koh_kong", _("Koh Kong")
    KRATIE = "kratie", _("Kratie")
    MONDULKIRI = "mondulkiri", _("Mondulkiri")
    ODDAR_MEANCHEY = "oddar_meanchey", _("Oddar Meanchey")
    PAILIN = "pailin", _("Pailin")
    PHNOM_PENH = "phnom_penh", _("Phnom Penh")
    PREAH_SIHANOUK = "preah_sihanouk", _("Preah Sihanouk")
    PREAH_VIHEAR = "preah_vihear", _("Preah Vihear")
    PREY_VENG = "prey_veng", _("Prey Veng")
    PURSAT = "pursat", _("Pursat")
    RATANAKIRI = "ratanakiri", _("Ratanakiri")
    SIEM_REAP = "siem_reap", _("Siem Reap")
    STUNG_TRENG = "stung_treng", _("Stung Treng")
    SVAY_RIENG = "svay_rieng", _("Svay Rieng")
    TAKEO = "takeo", _("Takeo")
    TBONG_KHMUM = "tbong_khmum", _("Tbong Khmum")


class Court(SoftDeletable, FuzzyDatesModel):
    class Level(models.TextChoices):
        FIRST_INSTANCE = "first_instance", _("First instance / provincial")
        APPEAL = "appeal", _("Court of Appeal")
        SUPREME = "supreme", _("Supreme Court")

    name = models.CharField(_("name"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=14, choices=Level.choices)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        indexes = [deleted_index("court")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:court-detail", args=[self.pk])


class DetentionFacility(SoftDeletable, FuzzyDatesModel):
    class Kind(models.TextChoices):
        PRISON = "prison", _("Prison")
        CORRECTIONAL_CENTRE = "correctional_centre", _("Correctional centre")
        POLICE_STATION = "police_station", _("Police station")
        REHABILITATION = "rehabilitation", _("Rehabilitation or drop-off centre")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("detention facility")
        verbose_name_plural = _("detention facilities")
        indexes = [deleted_index("detentionfacility")]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="facility_capacity_positive",
                violation_error_message=_("Capacity must be more than zero."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:facility-detail", args=[self.pk])

    def domain_errors(self) -> dict:
        if self.capacity is not None and self.capacity <= 0:
            return {"capacity": _("Capacity must be more than zero.")}
        return {}
