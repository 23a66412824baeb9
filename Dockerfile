# Production image: the app with its static files collected (front-end packages from npm).
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PRM_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY prm prm
COPY partners partners
COPY deals deals
COPY incentives incentives
COPY workflows workflows
RUN pip install .
COPY . .
COPY --from=assets /app/node_modules node_modules
RUN DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/none \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput -v 0
RUN useradd --system --home /app prm && mkdir -p /data && chown prm /data
USER prm
EXPOSE 8000
CMD ["gunicorn", "prm.wsgi", "-b", "0.0.0.0:8000", "-w", "4"]
