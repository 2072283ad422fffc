# Lotledger web image: gunicorn serving Django, static files by whitenoise.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 lotledger

# the run-time part of requirements.lock (scripts/runtime_lock.py): no test or lint tools in the image
COPY requirements-runtime.lock ./
RUN pip install -r requirements-runtime.lock

COPY . .
# collectstatic needs settings but no database: give it a placeholder URL and key.
RUN DATABASE_URL=postgres://build@localhost/build SECRET_KEY=build-only \
    python manage.py collectstatic --noinput -v 0 \
    && chown -R lotledger /app

USER lotledger
EXPOSE 8000
# Migrate on start, then serve. WEB_CONCURRENCY sets the gunicorn worker count.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn lotledger.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
