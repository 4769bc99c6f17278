# orders-gateway: a slim image that runs `orders-gateway serve` as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8000 \
    GATEWAY_LOG_FORMAT=json \
    GATEWAY_DATABASE_URL=sqlite+aiosqlite:////data/orders.db

WORKDIR /srv/orders-gateway
COPY pyproject.toml README.md ./
COPY app ./app
COPY schema ./schema
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --no-create-home gateway \
    && mkdir /data && chown gateway /data

USER gateway
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["orders-gateway", "serve"]
