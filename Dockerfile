# One image for every Pingjian process (cases, notifications, gateway, ...).
# docker-compose.yml picks the process with `command`, so there is no CMD here.
FROM python:3.11-slim

# Unbuffered output so container logs appear at once; no .pyc writes because
# the code directory is read-only for the runtime user.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first: this layer stays cached until requirements.txt changes.
# Every pin has a manylinux wheel for CPython 3.11, so slim needs no compiler.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# Only what the processes load at run time (tests, bench, docs stay out).
COPY config.yml ./
COPY kit ./kit
COPY contracts ./contracts
COPY services ./services
COPY gateway ./gateway

# Files stay root-owned; the processes run as an unprivileged user that can
# read but not modify them.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin pingjian
USER pingjian
