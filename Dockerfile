# The web app, the Celery worker and Celery beat all run from this image (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .

# Static files are collected into the image and served by WhiteNoise; the key is a placeholder
# that only lets settings load for these build steps.
ARG BUILD_SECRET_KEY=build-only-not-a-secret
RUN DJANGO_SECRET_KEY=$BUILD_SECRET_KEY python manage.py collectstatic --noinput

# Compiled translations (*.mo) are not in git: build them here (pure Python, no gettext).
RUN DJANGO_SECRET_KEY=$BUILD_SECRET_KEY python manage.py compile_catalogues

RUN useradd --system --uid 1000 --home-dir /app monitoring \
    && mkdir -p /app/media \
    && chown monitoring /app/media
USER monitoring

EXPOSE 8000
CMD ["gunicorn", "monitoring.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
