FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MERCHPLAN_VAR_DIR=/app/var
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY planning ./planning
COPY forecasting ./forecasting
COPY allocation ./allocation
COPY otb ./otb
COPY templates ./templates
COPY static ./static
COPY manage.py ./
# Editable install: the code runs from /app, where templates/ and static/ live.
RUN pip install --no-cache-dir -e . \
 && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 DJANGO_SETTINGS_MODULE=config.settings.production \
    python manage.py collectstatic --noinput \
 && useradd --create-home merchplan && chown -R merchplan /app/var
USER merchplan
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
