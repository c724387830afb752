FROM python:3.12-slim
ENV APP_ENV=production \
    DB_PASSWORD_FILE=/run/secrets/db_password
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
USER 10001
CMD ["gunicorn", "app:app"]
