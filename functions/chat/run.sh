#!/bin/bash
# Lambda Web Adapter entry point: start the app; the adapter streams its responses.
PATH=$PATH:$LAMBDA_TASK_ROOT/bin \
PYTHONPATH=$PYTHONPATH:/opt/python:$LAMBDA_RUNTIME_DIR \
exec python -m uvicorn --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log --timeout-keep-alive 75 app:app
