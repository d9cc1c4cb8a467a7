"""The family's photos as a slideshow with big Previous and Next, their messages read
aloud with big ready-made answers, and the photos with a big clock as a screensaver.

Relatives send everything through remote help (``receive``): photos are checked,
made no larger than the screen needs and kept under content-hash names in
``album/``; messages and the senior's answers are kept in ``messages.json``. Every
file is written to a ``.part`` file first and then renamed, so a power cut never
leaves half a file behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from launcher.api import (
    BigButton,
    BigLabel,
    Canvas,
    ConfirmScreen,
    LinkOpener,
    MessageLinks,
    MessageScreen,
    Plugin,
    PluginContext,
    QPainter,
    QPixmap,
    QRect,
    Qt,
    QWidget,
    Screen,
    ViewStack,
    decoded_picture,
    run_action,
    write_file,
    write_picture,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Largest photo taken, before it is scaled down.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
#: Photos are kept at most this long on their long side: enough for a full-HD screen.
MAX_SIDE = 1920
THUMB_SIDE = 160
MAX_CAPTION = 200
MAX_MESSAGE = 500
MAX_PHOTOS = 500
#: Older messages are let go of beyond this many.
KEEP_MESSAGES = 200
#: The ready-made answers, in the order of their buttons.
REPLIES = ("fine", "call")
NAME_PATTERN = re.compile(r"^[0-9a-f]{16}\.(jpg|png)$")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def set_aside(path: Path) -> Path:
    """Keep an unreadable file under a new name instead of overwriting it."""
    kept = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
    os.replace(path, kept)
    return kept


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


# -- the album ------------------------------------------------------------------------


@dataclass
class Photo:
    name: str
    caption: str = ""
    sender: str = ""
    added: str = ""


class Album:
    """Photos in ``album/`` with their captions in ``album.json``, newest first.

    A photo file the index does not know (the index was lost, or somebody copied
    photos in) is taken in; an index entry whose file is gone is kept, so that nothing
    the family sent disappears without them removing it.
    """

    def __init__(self, data_dir: Path, tell_helper: Callable[[str], None]) -> None:
        self.folder = data_dir / "album"
        self.thumbs = data_dir / "thumbs"
        self.index = data_dir / "album.json"
        self._tell_helper = tell_helper
        self.folder.mkdir(parents=True, exist_ok=True)

    def photos(self) -> list[Photo]:
        known: list[Photo] = []
        if self.index.exists():
            try:
                data = read_json(self.index)
                known = [
                    Photo(
                        name=str(item["name"]),
                        caption=str(item.get("caption", "")),
                        sender=str(item.get("sender", "")),
                        added=str(item.get("added", "")),
                    )
                    for item in data["photos"]
                    if NAME_PATTERN.match(str(item.get("name", "")))
                ]
            except (OSError, ValueError, KeyError, TypeError):
                kept = set_aside(self.index)
                self._tell_helper(
                    f"photos/album.json cannot be read; it was kept as {kept.name} and the "
                    "album was rebuilt from the photo files (captions may be missing)"
                )
        names = {photo.name for photo in known}
        for path in sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
            if NAME_PATTERN.match(path.name) and path.name not in names:
                added = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
                known.append(Photo(path.name, added=added))
        known.sort(key=lambda photo: photo.added, reverse=True)
        return known

    def save(self, photos: list[Photo]) -> None:
        data = {"version": 1, "photos": [asdict(photo) for photo in photos]}
        write_file(self.index, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def path(self, name: str) -> Path:
        return self.folder / name

    def add(self, data: bytes, pixmap: QPixmap, caption: str, sender: str) -> Photo:
        """Keep a checked photo (scaled down if larger than :data:`MAX_SIDE`)."""
        png = data.startswith(PNG_MAGIC)
        name = hashlib.sha256(data).hexdigest()[:16] + (".png" if png else ".jpg")
        photos = self.photos()
        same = next((photo for photo in photos if photo.name == name), None)
        path = self.path(name)
        if not path.is_file():
            if max(pixmap.width(), pixmap.height()) > MAX_SIDE:
                write_picture(path, pixmap, MAX_SIDE, png=png)
            else:
                write_file(path, data)
        if same is not None:
            return same
        photo = Photo(name, caption, sender, now_text())
        self.save([photo, *photos])
        return photo

    def remove(self, name: str) -> bool:
        photos = self.photos()
        kept = [photo for photo in photos if photo.name != name]
        if len(kept) == len(photos):
            return False
        self.save(kept)
        for path in (self.path(name), self.thumbs / f"{name}.jpg"):
            path.unlink(missing_ok=True)
        return True

    def thumbnail(self, name: str) -> str:
        """A small JPEG of the photo as a data URL; empty if the photo cannot be read."""
        thumb = self.thumbs / f"{name}.jpg"
        if not thumb.is_file():
            pixmap = QPixmap(str(self.path(name)))
            if pixmap.isNull():
                return ""
            try:
                write_picture(thumb, pixmap, THUMB_SIDE)
            except OSError:
                return ""
        return "data:image/jpeg;base64," + base64.b64encode(thumb.read_bytes()).decode("ascii")


# -- messages -------------------------------------------------------------------------


@dataclass
class Message:
    id: str
    sender: str
    text: str
    received: str
    #: The answer's key (``fine``, ``call``) and words, once the senior has answered.
    reply: str = ""
    reply_text: str = ""
    replied: str = ""
    #: How many of the sender's channels the answer went to (0: it waits in the app).
    channels: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Messages:
    """The family's messages and the senior's answers, in ``messages.json``."""

    def __init__(self, data_dir: Path, tell_helper: Callable[[str], None]) -> None:
        self.path = data_dir / "messages.json"
        self._tell_helper = tell_helper

    def all(self) -> list[Message]:
        if not self.path.exists():
            return []
        try:
            data = read_json(self.path)
            return [
                Message(**{k: v for k, v in item.items() if k in Message.__dataclass_fields__})
                for item in data["messages"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            kept = set_aside(self.path)
            self._tell_helper(
                f"photos/messages.json cannot be read; it was kept as {kept.name} and the "
                "messages start again from empty"
            )
            return []

    def save(self, messages: list[Message]) -> None:
        data = {"version": 1, "messages": [asdict(m) for m in messages[-KEEP_MESSAGES:]]}
        write_file(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode())

    def add(self, sender: str, text: str) -> Message:
        message = Message(uuid.uuid4().hex[:12], sender, text, now_text())
        self.save([*self.all(), message])
        return message

    def get(self, message_id: str) -> Message | None:
        return next((m for m in self.all() if m.id == message_id), None)

    def answer(self, message_id: str, reply: str, text: str, channels: int) -> None:
        messages = self.all()
        for message in messages:
            if message.id == message_id:
                message.reply, message.reply_text = reply, text
                message.replied, message.channels = now_text(), channels
        self.save(messages)


# -- screens --------------------------------------------------------------------------


def _box(widget: QWidget) -> Any:
    # The kit has no calls for margins; these few adjustments reach its layout.
    return widget.layout()


def _centred(label: BigLabel) -> BigLabel:
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class PhotoView(Canvas):
    """One photo, as large as fits, never cropped or stretched."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self.pixmap = pixmap
        self._scaled = None
        self.update()

    def paint(self, painter: QPainter, rect: QRect) -> None:
        if self.pixmap is None or rect.width() <= 0 or rect.height() <= 0:
            return
        scaled = self._scaled
        if scaled is None or (scaled.width() != rect.width() and scaled.height() != rect.height()):
            scaled = self.pixmap.scaled(
                rect.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled = scaled
        x = rect.x() + (rect.width() - scaled.width()) // 2
        y = rect.y() + (rect.height() - scaled.height()) // 2
        painter.drawPixmap(x, y, scaled)


class Slides:
    """Which photo shows, skipping the ones that are missing or cannot be read; each
    such photo is put in the helper's report once."""

    def __init__(self, album: Album, context: PluginContext) -> None:
        self._album = album
        self._context = context
        self.photos: list[Photo] = []
        self.index = 0
        self.skipped: set[str] = set()
        self.reload()

    def reload(self, show: str = "") -> None:
        self.photos = [p for p in self._album.photos() if self._usable(p)]
        names = [p.name for p in self.photos]
        self.index = names.index(show) if show in names else min(self.index, len(names) - 1)
        self.index = max(0, self.index)

    def _usable(self, photo: Photo) -> bool:
        if photo.name in self.skipped:
            return False
        if not self._album.path(photo.name).is_file():
            self._skip(photo, "is missing")
            return False
        return True

    def _skip(self, photo: Photo, why: str) -> None:
        self.skipped.add(photo.name)
        sender = f" (sent by {photo.sender})" if photo.sender else ""
        self._context.tell_helper(
            f"photo album/{photo.name}{sender} {why}; send it again or remove it in remote help"
        )

    def current(self) -> tuple[Photo, QPixmap] | None:
        """The photo to show now and its picture; unreadable ones are dropped on the way."""
        while self.photos:
            self.index %= len(self.photos)
            photo = self.photos[self.index]
            pixmap = QPixmap(str(self._album.path(photo.name)))
            if not pixmap.isNull():
                return photo, pixmap
            self._skip(photo, "cannot be read")
            del self.photos[self.index]
        return None

    def turn(self, step: int) -> None:
        if self.photos:
            self.index = (self.index + step) % len(self.photos)


class SlideshowView(Screen):
    """The photos, one at a time, with big Previous and Next, and a way to the messages."""

    def __init__(self, plugin: PhotosPlugin) -> None:
        super().__init__()
        _box(self).setContentsMargins(0, 0, 0, 0)
        _box(self).setSpacing(12)
        self._plugin = plugin
        tr = plugin.context.tr
        self.slides = Slides(plugin.album, plugin.context)
        self.empty_title = _centred(BigLabel(tr("photos.empty.title"), role="title"))
        self.empty_body = _centred(BigLabel(tr("photos.empty.body"), role="body"))
        self.add(self.empty_title)
        self.add(self.empty_body)
        self.view = PhotoView()
        self.view.setObjectName("photosView")
        self.add(self.view, 1)
        self.caption = _centred(BigLabel(role="body"))
        self.caption.setObjectName("photosCaption")
        self.add(self.caption)
        self.notice = _centred(BigLabel(tr("photos.skipped"), role="caption"))
        self.notice.setObjectName("photosNotice")
        self.add(self.notice)
        self.previous_button = BigButton(tr("photos.previous"))
        self.previous_button.setObjectName("photosPrevious")
        self.previous_button.setAccessibleName(tr("photos.previous.name"))
        self.previous_button.setAccessibleDescription(tr("photos.previous.describe"))
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.messages_button = BigButton(role="primary")
        self.messages_button.setObjectName("photosMessages")
        self.messages_button.clicked.connect(plugin.open_messages)
        self.next_button = BigButton(tr("photos.next"))
        self.next_button.setObjectName("photosNext")
        self.next_button.setAccessibleName(tr("photos.next.name"))
        self.next_button.setAccessibleDescription(tr("photos.next.describe"))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self.add_row(self.previous_button, self.messages_button, self.next_button)
        self.refresh()

    def reload(self, show: str = "") -> None:
        self.slides.reload(show)
        self.refresh()

    def turn(self, step: int) -> None:
        self.slides.turn(step)
        self.refresh()

    @property
    def shown(self) -> str:
        """The name of the photo on screen, or empty."""
        current = self.slides.current()
        return current[0].name if current else ""

    def refresh(self) -> None:
        tr = self._plugin.context.tr
        current = self.slides.current()
        count = len(self.slides.photos)
        self.empty_title.setVisible(current is None)
        self.empty_body.setVisible(current is None)
        self.view.setVisible(current is not None)
        self.caption.setVisible(current is not None)
        self.notice.setVisible(bool(self.slides.skipped))
        self.previous_button.setVisible(count > 1)
        self.next_button.setVisible(count > 1)
        if current is not None:
            photo, pixmap = current
            self.view.set_pixmap(pixmap)
            where = tr("photos.position", number=self.slides.index + 1, count=count)
            parts = [where, photo.caption.strip()]
            if photo.sender:
                parts.append(tr("photos.from", name=photo.sender))
            self.caption.setText(" · ".join(p for p in parts if p))
        else:
            self.view.set_pixmap(None)
        waiting = self._plugin.unanswered()
        if waiting:
            self.messages_button.setText(tr("photos.messages.new", count=len(waiting)))
        else:
            self.messages_button.setText(tr("photos.messages"))
        self.messages_button.setAccessibleDescription(tr("photos.messages.describe"))
        self.messages_button.setVisible(bool(self._plugin.messages.all()))


class MessageView(MessageScreen):
    """One message from the family, with the ready-made answers as big buttons.

    Its text is plain, never clickable. Links in it become buttons only when the sender
    is in the senior's contacts; otherwise a note says why they cannot be opened.
    """

    def __init__(self, plugin: PhotosPlugin, message: Message) -> None:
        tr = plugin.context.tr
        super().__init__(tr("message.title", name=message.sender), message.text, button_text="")
        self.setObjectName("photosMessage")
        self.body_label.setTextFormat(Qt.TextFormat.PlainText)
        self._plugin = plugin
        self.message = message
        opener = LinkOpener(
            plugin.context,
            sender=message.sender,
            show=plugin.show_view,
            back=lambda: plugin.show_message_id(message.id),
            question_name="photosOpenLink",
            refused_name="photosLinkRefused",
        )
        from_contact = plugin.context.is_contact(message.sender)
        self.links = MessageLinks(message.text, from_contact=from_contact, opener=opener)
        if self.links.buttons:
            self.add(self.links)
        else:
            # Why its links cannot be opened goes first among the words, so it is in view
            # before the message at any text size; the answers below stay in view too.
            words = _box(self.body_label.parentWidget())
            words.insertWidget(words.indexOf(self.body_label), self.links)
        self.status = BigLabel(role="body")
        self.status.setObjectName("photosReplyStatus")
        self.add(self.status)
        self.reply_buttons: dict[str, BigButton] = {}
        for key in REPLIES:
            button = BigButton(tr(f"reply.{key}"), role="primary" if key == "fine" else "normal")
            button.setObjectName(f"photosReply-{key}")
            button.setAccessibleDescription(tr("reply.describe", name=message.sender))
            button.clicked.connect(lambda _=False, k=key: plugin.ask_reply(message, k))
            self.reply_buttons[key] = button
        self.replies = self.add_row(*self.reply_buttons.values())
        self.back_button = BigButton(tr("message.back"))
        self.back_button.setObjectName("photosBackToPhotos")
        self.back_button.setAccessibleDescription(tr("message.back.describe"))
        self.back_button.clicked.connect(plugin.show_slideshow)
        self.add(self.back_button)
        if message.reply:
            self.show_answered(message)
        else:
            self.status.hide()

    def show_answered(self, message: Message) -> None:
        tr = self._plugin.context.tr
        self.replies.hide()
        if message.channels > 0:
            text = tr("reply.sent", answer=message.reply_text, name=message.sender)
        else:
            text = tr("reply.waiting", answer=message.reply_text, name=message.sender)
        self.status.setText(text)
        self.status.show()


class PhotosScreen(ViewStack):
    """The tile's screen: the slideshow, or a message, or a question, one at a time."""


class ScreensaverView(Screen):
    """The photos one after another, and a big clock with the date."""

    def __init__(self, plugin: PhotosPlugin) -> None:
        super().__init__()
        self.setObjectName("photosScreensaver")
        self._plugin = plugin
        self.slides = Slides(plugin.album, plugin.context)
        self.view = PhotoView()
        self.view.setObjectName("photosView")
        self.add(self.view, 1)
        self.clock = BigLabel(role="huge")
        self.clock.setObjectName("photosClock")
        self.date = BigLabel(role="title")
        self.date.setObjectName("photosDate")
        self.add_row(self.clock, self.date, stretches=(0, 1))
        self.tick()
        self.advance(0)

    def tick(self) -> None:
        now = datetime.now()
        tr = self._plugin.context.tr
        self.clock.setText(now.strftime("%H:%M"))
        self.date.setText(
            tr(
                "saver.date",
                year=now.year,
                month=now.month,
                day=now.day,
                weekday=tr(f"weekday.{now.isoweekday()}"),
            )
        )

    def advance(self, step: int = 1) -> None:
        self.slides.turn(step)
        current = self.slides.current()
        self.view.setVisible(current is not None)
        self.view.set_pixmap(current[1] if current else None)


# -- the plugin -----------------------------------------------------------------------


class PhotosPlugin(Plugin):
    """Photos and messages from the family."""

    def activate(self) -> None:
        self.album = Album(self.context.data_dir, self.context.tell_helper)
        self.messages = Messages(self.context.data_dir, self.context.tell_helper)
        self.screen: PhotosScreen | None = None

    # -- screens ---------------------------------------------------------------------

    def create_screen(self) -> QWidget:
        return self._new_screen()

    def _new_screen(self, message: Message | None = None) -> PhotosScreen:
        screen = PhotosScreen()
        self.screen = screen
        screen.destroyed.connect(lambda: self._forget(screen))
        if message is None:
            self.show_slideshow()
        else:
            self.show_message(message)
        return screen

    def _forget(self, screen: PhotosScreen) -> None:
        if self.screen is screen:
            self.screen = None

    def screensaver(self) -> QWidget | None:
        saver = ScreensaverView(self)
        seconds = int(self.context.config.get("seconds", 10))
        self.context.every(1000, saver.tick)
        self.context.every(seconds * 1000, saver.advance)
        return saver

    def unanswered(self) -> list[Message]:
        return [m for m in self.messages.all() if not m.reply]

    def show_view(self, view: QWidget) -> None:
        """Show ``view`` in the tile's screen, in place of what it shows now."""
        if self.screen is not None:
            self.screen.swap(view)

    def show_slideshow(self) -> None:
        self.show_view(SlideshowView(self))

    def open_messages(self) -> None:
        """The oldest message not answered yet, else the newest."""
        messages = self.messages.all()
        waiting = [m for m in messages if not m.reply]
        if waiting or messages:
            self.show_message(waiting[0] if waiting else messages[-1])

    def show_message(self, message: Message) -> None:
        if self.screen is not None:
            self.show_view(MessageView(self, message))

    def ask_reply(self, message: Message, reply: str) -> None:
        tr = self.context.tr
        words = tr(f"reply.{reply}")
        ask = ConfirmScreen(
            tr("reply.question", answer=words, name=message.sender),
            tr("reply.question.detail", name=message.sender),
        )
        ask.setObjectName("photosReplyConfirm")
        ask.confirmed.connect(lambda: self.send_reply(message.id, reply))
        ask.declined.connect(lambda: self.show_message_id(message.id))
        self.show_view(ask)

    def show_message_id(self, message_id: str) -> None:
        message = self.messages.get(message_id)
        if message is not None:
            self.show_message(message)

    def send_reply(self, message_id: str, reply: str) -> int:
        """Send the answer to the sender's channels and keep it for their app."""
        message = self.messages.get(message_id)
        if message is None:
            return 0
        tr = self.context.tr
        words = tr(f"reply.{reply}")
        channels = self.context.notify(
            tr("reply.alert.title"),
            tr("reply.alert.body", answer=words, message=message.text),
            to=message.sender,
            key=f"reply-{message.id}",
        )
        self.messages.answer(message.id, reply, words, channels)
        answered = self.messages.get(message.id)
        if answered is not None:
            self.show_message(answered)
            view = self.screen.view if self.screen is not None else None
            if isinstance(view, MessageView):
                self.context.say(view.status.text())
        return channels

    # -- the family's messages -------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return run_action(
            sender,
            message,
            {
                "add_photo": self._add_photo,
                "list": self._list,
                "photo": self._photo,
                "remove": self._remove,
                "message": self._message,
                "replies": self._replies,
            },
        )

    def _text(self, message: Mapping[str, Any], key: str, limit: int, *, required: bool) -> str:
        value = message.get(key, "")
        if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
            raise ValueError(self.context.tr("error.text", field=key, limit=limit))
        return value.strip()

    def _name(self, message: Mapping[str, Any]) -> str:
        name = message.get("photo")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ValueError(self.context.tr("error.name", field="photo"))
        return name

    def _add_photo(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        tr = self.context.tr
        caption = self._text(message, "caption", MAX_CAPTION, required=False)
        data, pixmap = decoded_picture(message.get("photo"), "photo", MAX_UPLOAD_BYTES)
        if len(self.album.photos()) >= MAX_PHOTOS:
            raise ValueError(tr("error.photo.full", count=MAX_PHOTOS))
        try:
            photo = self.album.add(data, pixmap, caption, sender)
        except OSError as exc:
            self.context.tell_helper(f"a photo from {sender} could not be saved: {exc}")
            raise ValueError(tr("error.photo.disk")) from None
        if self.screen is not None and isinstance(self.screen.view, SlideshowView):
            self.screen.view.reload(show=photo.name)
        return {"photo": photo.name, "photos": len(self.album.photos())}

    def _list(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        photos = []
        for photo in self.album.photos():
            thumbnail = self.album.thumbnail(photo.name)
            photos.append({**asdict(photo), "thumbnail": thumbnail, "missing": not thumbnail})
        return {"photos": photos}

    def _photo(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._name(message)
        photo = next((p for p in self.album.photos() if p.name == name), None)
        path = self.album.path(name)
        if photo is None or not path.is_file():
            raise ValueError(self.context.tr("error.photo.unknown", name=name))
        kind = "png" if name.endswith(".png") else "jpeg"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return {**asdict(photo), "data": f"data:image/{kind};base64,{data}"}

    def _remove(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._name(message)
        if not self.album.remove(name):
            raise ValueError(self.context.tr("error.photo.unknown", name=name))
        if self.screen is not None and isinstance(self.screen.view, SlideshowView):
            self.screen.view.reload()
        return {"removed": name, "photos": len(self.album.photos())}

    def _message(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        text = self._text(message, "text", MAX_MESSAGE, required=True)
        kept = self.messages.add(sender, text)
        screen = self._new_screen(kept)
        self.context.present(screen)
        view = screen.view
        if isinstance(view, MessageView):
            self.context.say(f"{view.title_label.text()}. {text}")
            if view.links.spoken:
                self.context.say(view.links.spoken)
        return {"message": kept.id, "shown": True}

    def _replies(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return {
            "messages": [
                {
                    "id": m.id,
                    "text": m.text,
                    "received": m.received,
                    "reply": m.reply,
                    "reply_text": m.reply_text,
                    "replied": m.replied,
                    "delivered": m.channels > 0,
                }
                for m in self.messages.all()
                if m.sender == sender
            ]
        }
