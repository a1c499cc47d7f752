"""A file e-mail backend that can pause before writing, so a test can kill the worker mid-send.

Used only by the real-worker tests (through the worker's EMAIL_BACKEND environment variable).
The first send writes its process id to ``TEST_MAIL_MARKER`` and sleeps ``TEST_MAIL_PAUSE``
seconds before writing the message; later sends (after the marker exists) do not pause.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class PausingFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        marker = os.environ.get("TEST_MAIL_MARKER")
        pause = float(os.environ.get("TEST_MAIL_PAUSE", "0"))
        if marker and pause and not Path(marker).exists():
            Path(marker).write_text(str(os.getpid()))
            time.sleep(pause)
        return super().send_messages(email_messages)
