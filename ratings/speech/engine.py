"""The speech synthesizer: Debian's espeak-ng, run on this computer (docs/spoken-ballot.md says why).

Pure functions around one program call: no database, no request. A clip is named by the digest of
(engine, voice, text), so the same text in the same voice is made once and kept.
"""

import hashlib
import shutil
import struct
import subprocess

from django.conf import settings

ENGINE = "espeak-ng"
CONTENT_TYPE = "audio/wav"
EXTENSION = "wav"
TIMEOUT_SECONDS = 30


class SpeechUnavailable(Exception):
    """The synthesizer is not installed or failed: the ballot then simply has no audio."""


def voice_of(language: str) -> str | None:
    """The synthesizer's voice for a language of the ballot, or None if it has none."""
    return settings.SPEECH_VOICES.get(language)


def available() -> bool:
    return shutil.which(settings.SPEECH_COMMAND) is not None


def digest(voice: str, text: str) -> str:
    return hashlib.sha256(f"{ENGINE}\0{voice}\0{text}".encode()).hexdigest()


def synthesize(text: str, voice: str) -> bytes:
    """The WAV of `text` said in `voice`. The text goes in on stdin (-b 1: UTF-8), never as an argument,
    so that a name beginning with "-" is read, not taken for an option."""
    command = shutil.which(settings.SPEECH_COMMAND)
    if command is None:
        raise SpeechUnavailable(f"{settings.SPEECH_COMMAND} is not installed")
    try:
        # The command is the setting's, the voice the settings' own, the text on stdin: nothing untrusted.
        done = subprocess.run(  # noqa: S603
            [command, "-v", voice, "-b", "1", "--stdout"],
            input=text.encode(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise SpeechUnavailable(f"{settings.SPEECH_COMMAND} failed: {error}") from error
    if not done.stdout.startswith(b"RIFF"):
        raise SpeechUnavailable(f"{settings.SPEECH_COMMAND} gave no WAV for voice {voice}")
    return _with_sizes(done.stdout)


def _with_sizes(wav: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot go back to fill in the RIFF and data sizes (it leaves
    0x7fff…): write them, so that every browser knows the clip's length."""
    data = wav.find(b"data", 12)
    if data < 0:
        raise SpeechUnavailable("the synthesizer's WAV has no data chunk")
    body = data + 8
    return (
        b"RIFF"
        + struct.pack("<I", len(wav) - 8)
        + wav[8:data]
        + b"data"
        + struct.pack("<I", len(wav) - body)
        + wav[body:]
    )
