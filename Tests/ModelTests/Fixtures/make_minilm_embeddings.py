"""Reference sentence embeddings of all-MiniLM-L6-v2 (run once; the JSON output is committed).

Uses sentence-transformers on the local model directory (no network) and records, per sentence,
the HF token ids and the normalized mean-pooled embedding the Swift encoder must reproduce.

    HF_HUB_OFFLINE=1 python3 Tests/ModelTests/Fixtures/make_minilm_embeddings.py
"""
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
from sentence_transformers import SentenceTransformer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A man is playing a guitar.",
    "I absolutely loved this movie, the acting was superb!",
    "Terrible service. I will never come back here again.",
    "What time does the train to Zürich leave?",
    "Kafka consumers commit offsets after the snapshot is durable.",
    "Low-rank adapters train only a tiny fraction of the weights.",
    "The stock market fell 3.2% on Tuesday amid inflation fears.",
    "¿Dónde está la biblioteca?",
    "Crème brûlée is a French dessert.",
    "東京は日本の首都です。",
    "I can't believe it's not butter!!!",
    "Email me at someone@example.com or call +1-555-0100.",
    "HELLO WORLD in upper case",
    "ok",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "The patient was prescribed 500mg of amoxicillin twice daily.",
    "Refund my order #12345 immediately, it arrived broken.",
    "She sells sea shells by the sea shore; the shells she sells are surely seashells.",
    "In 1969, Apollo 11 landed on the Moon, and Neil Armstrong became the first person to walk on its surface.",
    "unbelievably unaffordable antidisestablishmentarianism",
    "Das ist ein sehr langer deutscher Satz über Datenströme und Modelle.",
    "🙂 emojis and symbols © ® ™ are handled too",
    "\tTabs\tand   multiple   spaces\n newlines",
]


def main():
    model = SentenceTransformer(MODEL, device="cpu")
    tok = model.tokenizer
    emb = model.encode(SENTENCES, normalize_embeddings=True, batch_size=8)
    out = []
    for text, e in zip(SENTENCES, emb):
        ids = tok(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
        out.append(dict(text=text, ids=ids, embedding=[float(x) for x in e]))
    with open(os.path.join(HERE, "minilm_embeddings.json"), "w") as f:
        json.dump(dict(model="sentence-transformers/all-MiniLM-L6-v2", pooling="mean", normalize=True,
                       sentences=out), f)
    print(len(out), "sentences;", max(len(o["ids"]) for o in out), "max tokens")


if __name__ == "__main__":
    main()
