#!/usr/bin/env bash
# Makes the "PyTorch loads a Tapestry checkpoint with the same loss" fixture (dev time only).
#   1. Tapestry writes a small checkpoint:
#        swift run train --max-iters 30 --block-size 32 --n-layer 2 --n-head 2 --n-embd 32 \
#            --batch-size 8 --eval-interval 30 --eval-iters 2 --out /tmp/ptck --sample-length 10
#        cp /tmp/ptck/model.safetensors tapestry_written_checkpoint.safetensors
#   2. The PyTorch reference (shared/reference/torch_gpt.py) loads it unchanged and evaluates
#      64 strided val windows; its mean cross-entropy goes into pytorch_eval.json.
set -euo pipefail
cd "$(dirname "$0")"
REF=${1:-../../../../shared/reference}
~/.refenv/bin/python "$REF/torch_gpt.py" eval tapestry_written_checkpoint.safetensors \
    ../../../datasets/shakespeare.txt --strided --windows 64 | tail -1 > pytorch_eval.json
