"""The speech service against the real engine (espeak-ng, and pyttsx3 on espeak).

No test needs a sound card: audio goes to files, or to a player command that throws it
away at real-time pace (``paced_sink_command``), so speech lasts as long as it would
aloud and interrupting it means something. Nothing sleeps: tests wait on events with
timeouts.
"""

from __future__ import annotations

import array
import hashlib
import logging
import math
import os
import shutil
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from launcher.speech import (
    LOCALE_VOICES,
    LOCALES,
    TERMINAL_KINDS,
    EspeakSpeaker,
    Pyttsx3Speaker,
    SilentSpeaker,
    Speaker,
    SpeechError,
    SpeechEvent,
    SpeechUnavailable,
    ThreadedSpeaker,
    VoiceSettings,
    create_speaker,
    normalize_locale,
    paced_sink_command,
    split_text,
)
from launcher.speech.playback import parse_wav_header, silence_wav, wav_header
from launcher.speech.speaker import MAX_CHUNK_CHARS, platform_backend_order, resolve_voice

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

PHRASES = {
    "zh_CN": "你好，欢迎使用乐龄。请点一下电话。",
    "zh_HK": "你好，歡迎使用樂齡。請點一下電話。",
    "en": "Hello, welcome to Leling. Tap the phone to call.",
    "ug": "ياخشىمۇسىز، لېلىڭغا خۇش كەپسىز.",
}
LONG_TEXT = " ".join(f"This is sentence number {n} of a long text read aloud." for n in range(40))
#: int16 RMS below this is silence (espeak's speech is in the thousands).
SILENCE_RMS = 300
TIMEOUT = 15.0


class Recorder:
    """A speech listener that keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[SpeechEvent] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()

    def __call__(self, event: SpeechEvent) -> None:
        with self._cond:
            self.events.append(event)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def find(self, kind: str, utterance: int | None = None) -> SpeechEvent | None:
        for event in self.events:
            if event.kind == kind and (utterance is None or event.utterance == utterance):
                return event
        return None

    def wait(
        self, kind: str, utterance: int | None = None, timeout: float = TIMEOUT
    ) -> SpeechEvent:
        with self._cond:
            self._cond.wait_for(lambda: self.find(kind, utterance) is not None, timeout)
            found = self.find(kind, utterance)
        assert found is not None, f"no {kind} event for {utterance}: {self.kinds()}"
        return found

    def wait_terminal(self, utterance: int, timeout: float = TIMEOUT) -> SpeechEvent:
        def terminal() -> SpeechEvent | None:
            for event in self.events:
                if event.utterance == utterance and event.kind in TERMINAL_KINDS:
                    return event
            return None

        with self._cond:
            self._cond.wait_for(lambda: terminal() is not None, timeout)
            found = terminal()
        assert found is not None, f"no end for utterance {utterance}: {self.kinds()}"
        return found

    def kinds(self, utterance: int | None = None) -> list[tuple[int, str]]:
        return [
            (event.utterance, event.kind)
            for event in self.events
            if utterance is None or event.utterance == utterance
        ]


def pcm(path: Path) -> tuple[wave._wave_params, bytes]:
    with wave.open(str(path), "rb") as audio:
        return audio.getparams(), audio.readframes(audio.getnframes())


def rms(frames: bytes) -> float:
    samples = array.array("h")
    samples.frombytes(frames)
    if sys.byteorder == "big":
        samples.byteswap()
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def check_speech_wav(path: Path) -> tuple[float, float, str]:
    """Assert a valid, plausible, non-silent speech WAV; returns (seconds, rms, digest)."""
    assert path.read_bytes()[:4] == b"RIFF"
    params, frames = pcm(path)
    assert params.nchannels == 1
    assert params.sampwidth == 2
    assert params.framerate in (16000, 22050, 24000, 44100, 48000)
    seconds = params.nframes / params.framerate
    assert 0.5 < seconds < 20, seconds
    loudness = rms(frames)
    assert loudness > SILENCE_RMS, loudness
    return seconds, loudness, hashlib.sha256(frames).hexdigest()


def no_process(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def speakers() -> Iterator[Callable[..., ThreadedSpeaker]]:
    """Make started speakers with ``create_speaker``; closes them all afterwards."""
    made: list[ThreadedSpeaker] = []

    def make(settings: dict[str, object] | None = None, **kwargs: object) -> ThreadedSpeaker:
        voice = {"backend": "espeak-ng", **(settings or {})}
        kwargs.setdefault("player", paced_sink_command(1.0))
        speaker = create_speaker({"voice": voice}, **kwargs)  # type: ignore[arg-type]
        made.append(speaker)
        assert speaker.wait_ready(TIMEOUT)
        return speaker

    yield make
    for speaker in made:
        speaker.close()


@pytest.fixture(scope="module")
def pyttsx3_speaker() -> Iterator[Pyttsx3Speaker]:
    """One pyttsx3 speaker for the module: pyttsx3 allows one engine per process."""
    pytest.importorskip("pyttsx3")
    speaker = create_speaker({"voice": {"backend": "pyttsx3"}}, player=paced_sink_command(1.0))
    assert isinstance(speaker, Pyttsx3Speaker)
    assert speaker.wait_ready(TIMEOUT)
    yield speaker
    speaker.close()


@pytest.fixture
def espeak(speakers: Callable[..., ThreadedSpeaker]) -> EspeakSpeaker:
    speaker = speakers()
    assert isinstance(speaker, EspeakSpeaker)
    assert speaker.available, speaker.unavailable_reason
    return speaker


# --------------------------------------------------------------------------- text, settings


def test_split_text_by_sentence_in_every_script() -> None:
    assert split_text("") == []
    assert split_text("  \n\t ") == []
    assert split_text("One. Two!", max_chars=5) == ["One.", "Two!"]
    assert split_text("你好。世界！再见", max_chars=4) == ["你好。", "世界！", "再见"]
    assert split_text("ياخشىمۇسىز؟ رەھمەت", max_chars=12) == ["ياخشىمۇسىز؟", "رەھمەت"]
    assert split_text("Version 3.5 is out. Next", max_chars=20) == ["Version 3.5 is out.", "Next"]
    # Short sentences share a chunk; line breaks end sentences.
    assert split_text("A. B.\nC") == ["A. B. C"]


def test_split_text_keeps_every_chunk_short_and_loses_nothing() -> None:
    text = "字" * 9000 + "。" + "word " * 3000 + "\n\n" + "，".join(["长句子"] * 800)
    chunks = split_text(text)
    assert all(0 < len(chunk) <= MAX_CHUNK_CHARS for chunk in chunks)
    assert all(len(chunk.encode("utf-8")) < 15_000 // 4 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_voice_settings_read_the_document_or_the_voice_object() -> None:
    whole = {"voice": {"enabled": False, "rate": 999, "volume": -5, "voice": " +f3 "}}
    settings = VoiceSettings.from_mapping(whole)
    assert settings == VoiceSettings(enabled=False, rate=450, volume=0, voice="+f3")
    assert VoiceSettings.from_mapping({"rate": "120"}).rate == 120
    assert VoiceSettings.from_mapping({"rate": "fast"}).rate == 150
    assert VoiceSettings.from_mapping(None) == VoiceSettings()


def test_locales_and_voices() -> None:
    assert LOCALE_VOICES == {"zh_CN": "cmn", "zh_HK": "yue", "en": "en-us", "ug": "ug"}
    assert normalize_locale("zh-HK") == "zh_HK"
    assert normalize_locale("zh_CN.UTF-8") == "zh_CN"
    assert normalize_locale("en_GB.UTF-8") == "en"
    assert normalize_locale("ug_CN") == "ug"
    assert normalize_locale("fr_FR") == "fr"
    assert resolve_voice("zh_CN", "") == "cmn"
    assert resolve_voice("zh_HK", "+f3") == "yue+f3"
    assert platform_backend_order("linux")[0] == "espeak-ng"
    assert platform_backend_order("win32")[0] == "pyttsx3"


def test_wav_header_round_trip() -> None:
    data = silence_wav(0.1)
    parsed = parse_wav_header(data)
    assert parsed is not None
    fmt, offset = parsed
    assert (fmt.channels, fmt.rate, fmt.bits, offset) == (1, 22050, 16, 44)
    assert len(wav_header(fmt)) == 44
    assert parse_wav_header(data[:30]) is None
    with pytest.raises(ValueError):
        parse_wav_header(b"not a wave file at all")


# --------------------------------------------------------------------------- real audio


@pytest.mark.parametrize("backend", ["espeak-ng", "pyttsx3"])
def test_every_language_speaks_real_distinct_audio(
    backend: str,
    tmp_path: Path,
    speakers: Callable[..., ThreadedSpeaker],
    request: pytest.FixtureRequest,
) -> None:
    speaker: ThreadedSpeaker
    if backend == "pyttsx3":
        speaker = request.getfixturevalue("pyttsx3_speaker")
    else:
        speaker = speakers()
    assert isinstance(speaker, Speaker)
    digests: dict[str, str] = {}
    durations: dict[str, float] = {}
    for locale, phrase in PHRASES.items():
        out = speaker.synthesize_to_file(phrase, locale, tmp_path / f"{locale}.wav")
        durations[locale], _, digests[locale] = check_speech_wav(out)
    # Four languages, four different sounds; Mandarin and Cantonese differ even though
    # the same sentence is written in both.
    assert len(set(digests.values())) == len(PHRASES)
    mandarin = speaker.synthesize_to_file(PHRASES["zh_HK"], "zh_CN", tmp_path / "cmn.wav")
    assert check_speech_wav(mandarin)[2] != digests["zh_HK"]
    # The difference is the language's, not chance: espeak-ng run afresh is deterministic.
    # (In pyttsx3 one espeak instance carries a little state from one utterance to the
    # next, so the same text comes out a few samples different, never empty.)
    again = speaker.synthesize_to_file(PHRASES["en"], "en", tmp_path / "again.wav")
    if backend == "espeak-ng":
        assert check_speech_wav(again)[2] == digests["en"]
    else:
        assert check_speech_wav(again)[0] == pytest.approx(durations["en"], rel=0.05)


def test_voices_cover_every_locale(espeak: EspeakSpeaker, pyttsx3_speaker: Pyttsx3Speaker) -> None:
    for speaker in (espeak, pyttsx3_speaker):
        voices = speaker.voices()
        assert set(voices) == set(LOCALES)
        for locale, language in LOCALE_VOICES.items():
            defaults = [voice for voice in voices[locale] if voice.default]
            assert len(defaults) == 1, (speaker.backend, locale, voices[locale])
            assert defaults[0].language == language
            assert voices[locale][0] is defaults[0]
            assert all(voice.locale == locale for voice in voices[locale])


def test_rate_volume_and_voice_settings_change_the_audio(
    espeak: EspeakSpeaker, tmp_path: Path
) -> None:
    def render(name: str, locale: str = "en", **voice: object) -> tuple[float, float, str]:
        espeak.apply_settings({"voice": {**voice}})
        out = espeak.synthesize_to_file(PHRASES[locale], locale, tmp_path / f"{name}.wav")
        return check_speech_wav(out)

    slow, fast = render("slow", rate=80), render("fast", rate=300)
    assert slow[0] > 2 * fast[0]
    loud, quiet = render("loud", volume=100), render("quiet", volume=25)
    assert loud[1] > 2.5 * quiet[1]
    plain, variant = render("plain"), render("variant", voice="+f3")
    assert plain[2] != variant[2]
    british = render("british", voice="gmw/en")
    assert british[2] != plain[2]
    # An English voice chosen in settings never speaks Mandarin text.
    assert render("zh_plain", "zh_CN")[2] == render("zh_en_voice", "zh_CN", voice="gmw/en")[2]


def test_long_text_is_spoken_in_chunks_into_one_file(espeak: EspeakSpeaker, tmp_path: Path) -> None:
    text = LONG_TEXT * 2
    assert len(split_text(text)) > 2
    params, frames = pcm(espeak.synthesize_to_file(text, "en", tmp_path / "long.wav"))
    assert params.nframes / params.framerate > 60
    assert rms(frames) > SILENCE_RMS


def test_text_is_never_read_as_an_option(espeak: EspeakSpeaker, tmp_path: Path) -> None:
    check_speech_wav(espeak.synthesize_to_file("-v xx --help", "en", tmp_path / "dash.wav"))
    with pytest.raises(SpeechError):
        espeak.synthesize_to_file("   ", "en", tmp_path / "empty.wav")


# --------------------------------------------------------------------------- speaking


def test_say_returns_at_once_and_events_come_from_the_worker(
    speakers: Callable[..., ThreadedSpeaker],
) -> None:
    espeak = speakers(player=paced_sink_command(4.0))  # four times real time
    assert isinstance(espeak, EspeakSpeaker)
    recorder = Recorder()
    espeak.add_listener(recorder)
    before = time.perf_counter()
    first = espeak.say(PHRASES["en"], "en", interrupt=False)
    took = time.perf_counter() - before
    # The paced player needs a second for this phrase; say() was back long before.
    assert recorder.find("finished", first) is None
    assert took < 0.05, took
    second = espeak.say(PHRASES["zh_CN"], "zh_CN", interrupt=False)
    started = recorder.wait("started", first)
    finished = recorder.wait("finished", second, timeout=30)
    assert started.time - before < 0.5
    assert recorder.kinds() == [
        (first, "started"),
        (first, "finished"),
        (second, "started"),
        (second, "finished"),
    ]
    assert finished.time > started.time
    assert recorder.threads == {"leling-speech-espeak-ng"}
    assert espeak.wait_idle(TIMEOUT)
    assert espeak.active_pids() == []


@pytest.mark.parametrize("how", ["tap", "stop"])
def test_a_tap_stops_long_speech_at_once(espeak: EspeakSpeaker, how: str) -> None:
    recorder = Recorder()
    espeak.add_listener(recorder)
    long = espeak.say(LONG_TEXT, "en")
    queued = espeak.say("This waits its turn.", "en", interrupt=False)
    recorder.wait("started", long)
    pids = espeak.active_pids()
    assert len(pids) == 2  # the player and espeak-ng
    tapped = time.perf_counter()
    if how == "tap":
        tap = espeak.say("Phone", "en", interrupt=True)
    else:
        espeak.stop()
    interrupted = recorder.wait("interrupted", long)
    assert interrupted.time - tapped < 0.5, interrupted.time - tapped
    assert all(no_process(pid) for pid in pids), pids
    assert recorder.wait_terminal(queued).kind == "cancelled"
    if how == "tap":
        recorder.wait("finished", tap)
        assert recorder.kinds(tap) == [(tap, "started"), (tap, "finished")]
    assert espeak.wait_idle(TIMEOUT)
    assert recorder.find("finished", long) is None


def test_pyttsx3_backend_speaks_and_is_interrupted_too(pyttsx3_speaker: Pyttsx3Speaker) -> None:
    assert pyttsx3_speaker.available, pyttsx3_speaker.unavailable_reason
    assert pyttsx3_speaker.driver == "espeak"
    recorder = Recorder()
    pyttsx3_speaker.add_listener(recorder)
    try:
        long = pyttsx3_speaker.say(LONG_TEXT, "en")
        recorder.wait("started", long)
        pids = pyttsx3_speaker.active_pids()
        tapped = time.perf_counter()
        tap = pyttsx3_speaker.say("电话", "zh_CN")
        interrupted = recorder.wait("interrupted", long)
        assert interrupted.time - tapped < 0.5
        assert pids and all(no_process(pid) for pid in pids)
        assert recorder.wait_terminal(tap).kind == "finished"
        assert recorder.threads == {"leling-speech-pyttsx3"}
    finally:
        pyttsx3_speaker.remove_listener(recorder)


def test_only_one_pyttsx3_engine_per_process(pyttsx3_speaker: Pyttsx3Speaker) -> None:
    second = create_speaker({"voice": {"backend": "pyttsx3"}}, player=paced_sink_command())
    try:
        assert second.wait_ready(TIMEOUT)
        assert not second.available
        assert "another pyttsx3 speaker" in second.unavailable_reason
    finally:
        second.close()
    assert pyttsx3_speaker.available


def test_mute_and_empty_text_are_skipped(espeak: EspeakSpeaker) -> None:
    recorder = Recorder()
    espeak.add_listener(recorder)
    espeak.apply_settings({"voice": {"enabled": False}})
    muted = espeak.say("Hello", "en")
    assert recorder.wait_terminal(muted).kind == "skipped"
    espeak.apply_settings({"voice": {"enabled": True, "rate": 300}})
    empty = espeak.say(" \n ", "en")
    assert recorder.wait_terminal(empty).detail == "empty text"
    spoken = espeak.say("Hello", "en")
    assert recorder.wait_terminal(spoken).kind == "finished"


def test_engine_errors_fail_the_utterance_not_the_speaker(espeak: EspeakSpeaker) -> None:
    recorder = Recorder()

    def broken(event: SpeechEvent) -> None:
        raise RuntimeError("a listener bug")

    espeak.add_listener(broken)
    espeak.add_listener(recorder)
    unknown = espeak.say("Bonjour", "xx_XX")
    failed = recorder.wait_terminal(unknown)
    assert failed.kind == "failed"
    assert "does not exist" in failed.detail
    assert espeak.available
    after = espeak.say("Still here", "en")
    assert recorder.wait_terminal(after).kind == "finished"


# --------------------------------------------------------------------------- no device, no engine


def test_missing_audio_device_is_reported_once_and_never_hangs(
    speakers: Callable[..., ThreadedSpeaker], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="leling.speech")
    player = ["sh", "-c", "cat >/dev/null; echo 'fake: audio open error: no card' >&2; exit 1"]
    speaker = speakers(player=player)
    assert not speaker.available
    assert "audio open error: no card" in speaker.unavailable_reason
    recorder = Recorder()
    speaker.add_listener(recorder)
    ids = [speaker.say(f"Tile {n}", "en", interrupt=False) for n in range(3)]
    assert [recorder.wait_terminal(uid).kind for uid in ids] == ["failed"] * 3
    assert "voice unavailable" in recorder.wait_terminal(ids[0]).detail
    warnings = [
        r for r in caplog.records if r.name == "leling.speech" and "unavailable" in r.message
    ]
    assert len(warnings) == 1
    # Files still work without a device: `leling speak --out` and these tests need that.
    assert speaker.voices()["en"]


def test_player_that_hangs_is_killed_and_reported(speakers: Callable[..., ThreadedSpeaker]) -> None:
    started = time.perf_counter()
    speaker = speakers(player=["sleep", "60"], probe_timeout=0.3)
    assert time.perf_counter() - started < 5
    assert not speaker.available
    assert "did not finish" in speaker.unavailable_reason
    assert isinstance(speaker, EspeakSpeaker)
    assert speaker.active_pids() == []


@pytest.mark.skipif(
    shutil.which("aplay") is None or Path("/dev/snd").exists(),
    reason="needs aplay and no sound card",
)
def test_real_aplay_without_a_sound_card(speakers: Callable[..., ThreadedSpeaker]) -> None:
    speaker = speakers(player=["aplay", "-q"])
    assert not speaker.available
    assert "aplay" in speaker.unavailable_reason


def test_no_engine_means_a_silent_speaker_that_says_why(
    speakers: Callable[..., ThreadedSpeaker], tmp_path: Path
) -> None:
    missing = speakers(espeak=str(tmp_path / "no-espeak-ng"))
    off = speakers({"backend": "none"})
    for speaker, reason in ((missing, "espeak-ng not found"), (off, "switched off")):
        assert isinstance(speaker, SilentSpeaker)
        assert isinstance(speaker, Speaker)
        assert not speaker.available
        assert reason in speaker.unavailable_reason
        recorder = Recorder()
        speaker.add_listener(recorder)
        uid = speaker.say("Hello", "en")
        assert recorder.wait_terminal(uid).kind == "failed"
        assert speaker.voices() == {locale: [] for locale in LOCALES}
        with pytest.raises(SpeechUnavailable):
            speaker.synthesize_to_file("Hello", "en", tmp_path / "x.wav")
        speaker.stop()


def test_close_silences_everything_and_ends_the_worker(
    speakers: Callable[..., ThreadedSpeaker], tmp_path: Path
) -> None:
    speaker = speakers()
    assert isinstance(speaker, EspeakSpeaker)
    recorder = Recorder()
    speaker.add_listener(recorder)
    long = speaker.say(LONG_TEXT, "en")
    queued = speaker.say("Later", "en", interrupt=False)
    recorder.wait("started", long)
    pids = speaker.active_pids()
    speaker.close()
    assert not speaker._thread.is_alive()
    assert all(no_process(pid) for pid in pids)
    assert recorder.wait_terminal(long).kind == "interrupted"
    assert recorder.wait_terminal(queued).kind == "cancelled"
    speaker.say("After close", "en")
    with pytest.raises(SpeechUnavailable):
        speaker.synthesize_to_file("After close", "en", tmp_path / "x.wav")
