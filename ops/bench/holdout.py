"""StreamLoRA's holdout rule (`HoldoutSplitter`), for the benchmark scripts: an example is held out
when `fmix64(fnv1a64(utf8(id)))`, its top 53 bits as a number in [0, 1), is below the share. The
PEFT reference (peft_online.py) leaves out exactly the examples StreamLoRA does, and the decision
report (decisions_report.py) counts the examples a run must have trained."""

FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv1a64(s: str) -> int:
    h = FNV_OFFSET
    for b in s.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def fmix64(k: int) -> int:
    mask = 0xFFFFFFFFFFFFFFFF
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & mask
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & mask
    k ^= k >> 33
    return k


def in_holdout(example_id: str, share: float) -> bool:
    return (fmix64(fnv1a64(example_id)) >> 11) * 2.0**-53 < share
