import gc
import os

from django.core.wsgi import get_wsgi_application

from monitoring.security import refuse_insecure_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
application = get_wsgi_application()
refuse_insecure_secret_key()

# The garbage collector: what is loaded by now (Django, the apps, the URL patterns) lives as
# long as the process, so it is left out of every collection (gc.freeze), and a collection
# of young objects starts after 10,000 allocations rather than 700: a page allocates tens of
# thousands of short-lived objects, almost all freed by their reference counts, and the
# default threshold ran a collection some fifty times a page (list page: about 1 ms of its
# 15 ms of CPU; NOTES.md session 6). Cycles are still collected, a little later.
gc.freeze()
gc.set_threshold(10_000, 10, 10)
