# kombot: `kombot serve` on port 3978, as a numeric non-root user, with a health check.
# The base is pinned by digest (re-pin: `docker buildx imagetools inspect python:3.11-slim-bookworm`);
# the dependencies come from requirements.lock, the same lock CI tests with.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

# Build stage: wheels for the project and its locked dependencies (compilers stay here).
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY bot ./bot
RUN pip wheel --no-cache-dir --wheel-dir /wheels --requirement requirements.lock \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Run stage: the wheels, the knowledge the staff edit, nothing else.
FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KOMBOT_KNOWLEDGE_DIR=/app/knowledge \
    KOMBOT_INTENTS_DIR=/app/intents \
    KOMBOT_DATABASE_URL=sqlite:////data/kombot.db \
    KOMBOT_MODEL_CACHE_DIR=/data/models
RUN useradd --system --uid 10001 --home-dir /app kombot \
    && mkdir -p /app /data && chown 10001 /data
COPY --from=build /src/requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels --requirement /tmp/requirements.lock \
    && pip install --no-index --no-deps --find-links=/wheels kombot==0.1.0 \
    && rm -rf /wheels /tmp/requirements.lock
WORKDIR /app
COPY knowledge ./knowledge
COPY intents ./intents
USER 10001
EXPOSE 3978
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=4).status == 200 else 1)"]
CMD ["kombot", "serve", "--host", "0.0.0.0", "--port", "3978"]
