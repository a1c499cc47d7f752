import os

from django.core.wsgi import get_wsgi_application

from monitoring.security import refuse_insecure_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
application = get_wsgi_application()
refuse_insecure_secret_key()
