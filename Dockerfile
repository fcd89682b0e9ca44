# kombot: `kombot serve` on port 3978, as a non-root user, with a health check.
# Build stage: wheels for the project and its dependencies (compilers stay here).
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

# Run stage: the wheels, the knowledge the staff edit, nothing else.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KOMBOT_KNOWLEDGE_DIR=/app/knowledge \
    KOMBOT_INTENTS_DIR=/app/intents \
    KOMBOT_DATABASE_URL=sqlite:////data/kombot.db
RUN useradd --system --uid 10001 --home-dir /app kombot \
    && mkdir -p /app /data && chown kombot /data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels 'kombot[postgres]' && rm -rf /wheels
WORKDIR /app
COPY knowledge ./knowledge
COPY intents ./intents
USER kombot
EXPOSE 3978
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=4).status == 200 else 1)"
CMD ["kombot", "serve", "--host", "0.0.0.0", "--port", "3978"]
