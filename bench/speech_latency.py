"""How quickly Leling starts speaking after a tap, and how quickly a tap silences it.

Run from anywhere, after ``packaging/dev.sh setup`` (needs espeak-ng; no sound card):

    .venv/bin/python bench/speech_latency.py [--taps 120] [--interrupts 50]

Everything goes through the speech service the shell uses (``create_speaker``), with the
audio going to a player that throws it away at real-time pace (``paced_sink_command``),
so speech lasts as long as it would aloud. Times are ``time.perf_counter()`` in this
process; the service stamps its events on its worker thread:

* **tap to speech**: from ``say()`` to the ``started`` event, which fires when the first
  audio bytes (after the WAV header) have been written into the player's stdin, that is
  when espeak-ng's ``--stdout`` output reaches the player side. Measured when idle (each
  tap after the last utterance ended) and when a tap interrupts speech;
* **tap to silence**: from the interrupting ``say()``, or from ``stop()``, to the
  ``interrupted`` event of the utterance being spoken, which fires once its espeak-ng
  and player processes have been killed and reaped (they are gone);
* **say() call**: how long the caller (the UI thread) is held by ``say()``.

The pyttsx3 backend is measured the same way for comparison, and both backends once more
with a 400-character paragraph, where pyttsx3 must synthesise the whole chunk before the
first sound. Prints a markdown table and writes every sample to
``bench/results/speech.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launcher.speech import (  # noqa: E402
    TERMINAL_KINDS,
    SpeechEvent,
    ThreadedSpeaker,
    create_speaker,
    paced_sink_command,
)

DEFAULT_OUTPUT = ROOT / "bench" / "results" / "speech.json"
TIMEOUT = 30.0

# Short things a tap reads: tile names and buttons, in every language.
TAPS = {
    "zh_CN": ["电话", "微信", "相册", "天气", "时钟", "返回", "打车", "家人", "读给我听"],
    "zh_HK": ["電話", "相簿", "天氣", "時鐘", "返回", "叫的士", "家人", "讀俾我聽"],
    "en": ["Phone", "Photos", "Weather", "Clock", "Back", "Taxi", "Family", "Read to me"],
    "ug": ["تېلېفون", "رەسىم", "ھاۋارايى", "سائەت", "قايتىش", "ئائىلە"],
}
LONG_SPEECH = " ".join(
    f"This is sentence {n} of a long text that is being read aloud." for n in range(30)
)
PARAGRAPH = (
    "Your taxi is booked. The driver will arrive at the main gate in about ten minutes. "
    "He drives a white car and will call you when he is near. If you need to cancel, "
    "tap the red button at the bottom of this screen, or ask someone in your family to "
    "do it for you from their phone. Have a good trip, and remember to take your keys."
)[:400]


class Events:
    """A listener that lets the bench wait for one event of one utterance."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: dict[tuple[int, str], SpeechEvent] = {}

    def __call__(self, event: SpeechEvent) -> None:
        with self._cond:
            self._events[(event.utterance, event.kind)] = event
            if event.kind in TERMINAL_KINDS:
                self._events[(event.utterance, "end")] = event
            self._cond.notify_all()

    def get(self, utterance: int, kind: str) -> SpeechEvent | None:
        with self._cond:
            return self._events.get((utterance, kind))

    def wait_started_or_end(self, utterance: int) -> None:
        with self._cond:
            self._cond.wait_for(
                lambda: any((utterance, kind) in self._events for kind in ("started", "end")),
                TIMEOUT,
            )

    def wait(self, utterance: int, kind: str) -> SpeechEvent:
        with self._cond:
            if not self._cond.wait_for(lambda: (utterance, kind) in self._events, TIMEOUT):
                raise TimeoutError(f"no {kind} event for utterance {utterance}")
            return self._events[(utterance, kind)]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def summarize(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else 0
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def tap_texts(count: int) -> list[tuple[str, str]]:
    flat = [(text, locale) for locale, texts in TAPS.items() for text in texts]
    return [flat[i % len(flat)] for i in range(count)]


def start(backend: str, speed: float) -> tuple[ThreadedSpeaker, Events]:
    speaker = create_speaker({"voice": {"backend": backend}}, player=paced_sink_command(speed))
    if not speaker.wait_ready(TIMEOUT) or not speaker.available:
        raise SystemExit(f"{backend} cannot speak here: {speaker.unavailable_reason}")
    events = Events()
    speaker.add_listener(events)
    for text, locale in tap_texts(4):  # warm-up: caches, first process starts
        uid = speaker.say(text, locale)
        events.wait(uid, "end")
    return speaker, events


FAILURES: dict[str, list[str]] = {}


def spoke(backend: str, events: Events, uid: int, text: str) -> SpeechEvent | None:
    """The utterance's started event, once it has ended; None (and noted) if it failed."""
    end = events.wait(uid, "end")
    started = events.get(uid, "started")
    if started is None:
        FAILURES.setdefault(backend, []).append(f"{text!r}: {end.kind} {end.detail}")
    return started


def idle_taps(speaker: ThreadedSpeaker, events: Events, count: int) -> dict[str, list[float]]:
    """Each tap after the previous utterance has ended."""
    latency, calls = [], []
    for text, locale in tap_texts(count):
        before = time.perf_counter()
        uid = speaker.say(text, locale)
        calls.append(ms(time.perf_counter() - before))
        started = spoke(speaker.backend, events, uid, text)
        if started is not None:
            latency.append(ms(started.time - before))
    return {"tap_to_speech_ms": latency, "say_call_ms": calls}


def interrupting_taps(
    speaker: ThreadedSpeaker, events: Events, count: int, how: str
) -> dict[str, list[float]]:
    """Long speech is playing; a tap (say, interrupt=True) or stop() cuts it."""
    silence, speech, calls = [], [], []
    for text, locale in tap_texts(count):
        long = speaker.say(LONG_SPEECH, "en")
        events.wait_started_or_end(long)
        if events.get(long, "started") is None:
            spoke(speaker.backend, events, long, "long speech")
            continue
        # Let it speak a little, as a person would listen before tapping.
        time.sleep(0.15)
        before = time.perf_counter()
        if how == "tap":
            uid = speaker.say(text, locale, interrupt=True)
        else:
            speaker.stop()
        calls.append(ms(time.perf_counter() - before))
        interrupted = events.wait(long, "end")
        if interrupted.kind != "interrupted":
            raise SystemExit(f"long speech ended {interrupted.kind}, not interrupted")
        silence.append(ms(interrupted.time - before))
        if how == "tap":
            started = spoke(speaker.backend, events, uid, text)
            if started is not None:
                speech.append(ms(started.time - before))
    result = {"tap_to_silence_ms": silence, "call_ms": calls}
    if speech:
        result["tap_to_new_speech_ms"] = speech
    return result


def paragraphs(speaker: ThreadedSpeaker, events: Events, count: int) -> dict[str, list[float]]:
    latency = []
    for _ in range(count):
        before = time.perf_counter()
        uid = speaker.say(PARAGRAPH, "en")
        events.wait_started_or_end(uid)
        speaker.stop()
        started = spoke(speaker.backend, events, uid, "paragraph")
        if started is not None:
            latency.append(ms(started.time - before))
    return {"paragraph_to_speech_ms": latency}


def espeak_version() -> str:
    try:
        out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
        return out.stdout.split("  Data")[0].strip()
    except OSError:
        return "missing"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--taps", type=int, default=120, help="idle taps per backend")
    parser.add_argument("--interrupts", type=int, default=50, help="interrupting taps/stops")
    parser.add_argument("--paragraphs", type=int, default=20)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--backends", default="espeak-ng,pyttsx3", help="comma-separated: espeak-ng,pyttsx3"
    )
    args = parser.parse_args(argv)

    results: dict[str, dict[str, list[float]]] = {}
    for backend in args.backends.split(","):
        print(f"{backend}: {args.taps} idle taps", file=sys.stderr)
        # Idle taps: a fast sink keeps the run short; it does not change when speech starts.
        speaker, events = start(backend, speed=20.0)
        try:
            samples = idle_taps(speaker, events, args.taps)
            samples |= paragraphs(speaker, events, args.paragraphs)
        finally:
            speaker.close()
        # Interruptions: real-time playback, so the speech is really still going.
        print(f"{backend}: {args.interrupts} taps and stops during speech", file=sys.stderr)
        speaker, events = start(backend, speed=1.0)
        try:
            tap = interrupting_taps(speaker, events, args.interrupts, "tap")
            stop = interrupting_taps(speaker, events, args.interrupts, "stop")
        finally:
            speaker.close()
        samples["interrupting_tap_to_silence_ms"] = tap["tap_to_silence_ms"]
        samples["interrupting_tap_to_new_speech_ms"] = tap["tap_to_new_speech_ms"]
        samples["stop_to_silence_ms"] = stop["tap_to_silence_ms"]
        samples["say_call_ms"] = samples["say_call_ms"] + tap["call_ms"]
        samples["stop_call_ms"] = stop["call_ms"]
        results[backend] = samples

    summary = {
        backend: {name: summarize(values) for name, values in samples.items()}
        for backend, samples in results.items()
    }
    report: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "espeak_ng": espeak_version(),
        "machine": platform.platform(),
        "player": "paced sink (real time for interruptions, 20x for idle taps)",
        "summary": summary,
        "failed_utterances": FAILURES,
        "samples": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    rows = [
        ("tap to speech, idle", "tap_to_speech_ms"),
        ("tap to speech, interrupting speech", "interrupting_tap_to_new_speech_ms"),
        ("tap to silence (previous processes gone)", "interrupting_tap_to_silence_ms"),
        ("stop() to silence (processes gone)", "stop_to_silence_ms"),
        ("400-character paragraph to speech", "paragraph_to_speech_ms"),
        ("say() call on the caller's thread", "say_call_ms"),
        ("stop() call on the caller's thread", "stop_call_ms"),
    ]
    print(f"Speech latency, ms ({report['espeak_ng']}; n per row in the JSON)")
    print()
    backends = list(results)
    print("| | " + " | ".join(f"{b} p50 | {b} p95" for b in backends) + " |")
    print("|---|" + "---:|---:|" * len(backends))
    for title, key in rows:
        cells = []
        for backend in backends:
            stats = summary[backend].get(key)
            cells += [f"{stats['p50']:.1f}", f"{stats['p95']:.1f}"] if stats else ["", ""]
        print(f"| {title} | " + " | ".join(cells) + " |")
    print()
    for backend in backends:
        counts = {key: summary[backend][key]["n"] for key in summary[backend]}
        print(f"{backend} samples: {counts}")
        failed = FAILURES.get(backend, [])
        print(f"{backend} utterances that did not speak: {len(failed)} {failed[:3]}")
    print(f"All samples: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
