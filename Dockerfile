# warnd in a slim image, running as a non-root user.
#
# The install steps are the README's (`make install`): a virtualenv in .venv, pip upgraded, then
# an editable install of this source tree, so config/, rules/, templates/ and demo/ resolve
# exactly as in a checkout. Only difference: no `[dev]` extra (no test tools in the image).
# tests/test_deploy_files.py keeps these steps in step with the Makefile.
#
#   docker build -t warnd:local .
#   docker run --rm warnd:local check            # the embedded default config
#   docker compose up -d                         # warnd + PostgreSQL + Mailpit (docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 warnd \
 && useradd --system --uid 10001 --gid warnd --home-dir /opt/warnd --no-create-home \
            --shell /usr/sbin/nologin warnd

WORKDIR /opt/warnd

# Dependencies first, so a code-only change does not reinstall them.
COPY pyproject.toml README.md ./
COPY warnd/ warnd/
RUN python3 -m venv .venv \
 && .venv/bin/python -m pip install --quiet --upgrade pip \
 && .venv/bin/python -m pip install --quiet -e '.'

# The rest of the tree (see .dockerignore); code stays root-owned and read-only to warnd.
COPY . .
RUN mkdir -p var && chown warnd:warnd var

USER 10001:10001
ENV PATH=/opt/warnd/.venv/bin:$PATH
VOLUME ["/opt/warnd/var"]
EXPOSE 9108

# No HEALTHCHECK here: the endpoint exists only when the config sets `http.listen` (the embedded
# default does not). docker-compose.yml declares one against /healthz.

# SIGTERM drains (finishes current sends, releases leases) and exits 0 within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["warnd"]
CMD ["run"]
