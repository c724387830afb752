FROM python:3.12-slim
ENV APP_ENV=production \
    DB_PASSWORD=s3cr3t-Pa55
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
USER 10001
CMD ["gunicorn", "app:app"]
