"""The OpenAPI 3 description of the remote-help API, served at ``/api/openapi.json``.

It is the contract between the launcher and the relative's web app (and anyone who
writes another client): every endpoint with its request and response schemas. The
server's own tests fuzz the API from this document.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "1.0.0"

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, in the asked language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Per dotted setting key, what is wrong with its value.",
        },
        "retry_after": {"type": "integer", "description": "Seconds until trying again helps."},
        "tries_left": {"type": "integer"},
    },
}

_HELPER = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "paired_at": {"type": "string", "format": "date-time"},
        "last_seen": {"type": "string", "format": "date-time", "nullable": True},
    },
}

_FIELD: dict[str, Any] = {
    "type": "object",
    "required": ["key", "kind", "title"],
    "properties": {
        "key": {"type": "string", "description": "Dotted setting key."},
        "kind": {
            "type": "string",
            "enum": ["bool", "int", "float", "str", "choice", "list", "object", "localized"],
        },
        "title": {"type": "string", "description": "In the asked language."},
        "default": {},
        "choices": {"type": "array", "items": {"type": "string"}},
        "choice_titles": {"type": "object", "additionalProperties": {"type": "string"}},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "pattern": {"type": "string"},
        "max_length": {"type": "integer"},
        "item_kind": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Field"}},
        "locked": {"type": "boolean", "description": "Not changeable remotely."},
    },
}

_SETTINGS = {
    "type": "object",
    "description": "The profile's settings, as in settings.json, without the helper PIN "
    "and the remote-help switches.",
    "additionalProperties": True,
}

_CHANGE = {
    "type": "object",
    "required": ["id", "who", "when", "keys", "before", "after", "undone"],
    "properties": {
        "id": {"type": "integer"},
        "who": {"type": "string"},
        "when": {"type": "string", "format": "date-time"},
        "summary": {"type": "string", "description": "One sentence, in the asked language."},
        "keys": {"type": "array", "items": {"type": "string"}},
        "before": {"type": "object", "additionalProperties": True},
        "after": {"type": "object", "additionalProperties": True},
        "undone": {"type": "boolean"},
    },
}

_SETTINGS_STATE = {
    "type": "object",
    "required": ["revision", "settings"],
    "properties": {
        "revision": {"type": "integer"},
        "settings": {"$ref": "#/components/schemas/Settings"},
        "change": {"$ref": "#/components/schemas/Change"},
    },
}


def _json(schema: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(schema, str):
        schema = {"$ref": f"#/components/schemas/{schema}"}
    return {"content": {"application/json": {"schema": schema}}}


def _response(description: str, schema: dict[str, Any] | str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body.update(_json(schema))
    return body


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "The request is not valid; `error` and `fields` say why.",
        401: "No token, or a token that was revoked.",
        403: "Not allowed: a wrong code, or a setting that cannot be changed remotely.",
        404: "No such thing.",
        409: "Not now: it changed meanwhile (undo), or screen help is not on.",
        413: "The body is too large.",
        415: "The body is not JSON (or not a JPEG or PNG image).",
        423: "Pairing is locked after too many wrong codes; see `retry_after`.",
        503: "The plugin is not available right now; the helper report says why.",
    }
    return {str(code): _response(meaning[code], "Error") for code in codes}


def _lang() -> dict[str, Any]:
    return {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "Language for titles and messages (zh_CN, zh_HK, en, ug); else the "
        "Accept-Language header decides.",
        "schema": {"type": "string", "enum": ["zh_CN", "zh_HK", "en", "ug"]},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


#: In an answer about a question still waiting for the senior: why it waits.
_HELD = {
    "waiting_for": {
        "type": "string",
        "enum": ["call"],
        "description": "The senior is on a call; they are asked when it ends.",
    },
    "message": {
        "type": "string",
        "description": "Why it waits, in one sentence in the asker's language.",
    },
}


def document() -> dict[str, Any]:
    """The OpenAPI document, as a JSON-ready dict."""
    auth: list[dict[str, list[str]]] = [{"token": []}]
    obj = {"type": "object"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Leling remote help",
            "version": API_VERSION,
            "description": "Relatives configure and help a Leling launcher from a phone "
            "browser. Pair once with the code shown on the senior's screen; the senior "
            "approves; then send the token as `Authorization: Bearer <token>`. Requests "
            "that change something must be JSON (or an image for photos).",
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR,
                "Helper": _HELPER,
                "Field": _FIELD,
                "Settings": _SETTINGS,
                "Change": _CHANGE,
                "SettingsState": _SETTINGS_STATE,
                "ScreenSession": {
                    "type": "object",
                    "required": ["session", "status"],
                    "properties": {
                        "session": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["waiting", "active", "declined", "ended"],
                        },
                        "ended_because": {
                            "type": "string",
                            "enum": ["stopped", "idle", "left"],
                        },
                        **_HELD,
                    },
                },
            },
        },
        "paths": {
            "/api/pair": {
                "post": {
                    "summary": "Ask to help, with the code shown on the senior's screen.",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["code", "name"],
                                "additionalProperties": False,
                                "properties": {
                                    "code": {"type": "string", "pattern": "^[0-9]{6}$"},
                                    "name": {"type": "string", "minLength": 1, "maxLength": 40},
                                },
                            }
                        ),
                    },
                    "responses": {
                        "202": _response(
                            "Asked; the senior is being asked to allow it. Poll "
                            "GET /api/pair/{request} with the claim.",
                            {
                                "type": "object",
                                "required": ["request", "claim", "expires_in", "senior"],
                                "properties": {
                                    "request": {"type": "string"},
                                    "claim": {"type": "string"},
                                    "expires_in": {"type": "integer"},
                                    "senior": {
                                        "type": "string",
                                        "description": "The senior's name as set on the "
                                        "launcher; may be empty.",
                                    },
                                    **_HELD,
                                },
                            },
                        ),
                        **_errors(400, 403, 413, 415, 423),
                    },
                }
            },
            "/api/pair/{request}": {
                "get": {
                    "summary": "Whether the senior allowed it; the token comes once, here.",
                    "security": [],
                    "parameters": [
                        _path("request"),
                        {
                            "name": "claim",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _response(
                            "The state of the request.",
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {
                                        "type": "string",
                                        "enum": ["waiting", "approved", "declined", "expired"],
                                    },
                                    "token": {"type": "string"},
                                    "helper": {"$ref": "#/components/schemas/Helper"},
                                    **_HELD,
                                },
                            },
                        ),
                        **_errors(404),
                    },
                }
            },
            "/api/status": {
                "get": {
                    "summary": "Who I am, and what the launcher shows now.",
                    "security": auth,
                    "parameters": [_lang()],
                    "responses": {
                        "200": _response(
                            "The launcher's state.",
                            {
                                "type": "object",
                                "required": ["helper", "senior", "screen", "revision"],
                                "properties": {
                                    "helper": {"$ref": "#/components/schemas/Helper"},
                                    "senior": {"type": "string"},
                                    "screen": {"type": "string"},
                                    "revision": {"type": "integer"},
                                    "locale": {"type": "string"},
                                },
                            },
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/schema": {
                "get": {
                    "summary": "Every setting and every plugin's config, with titles: what "
                    "the web app builds its forms from.",
                    "security": auth,
                    "parameters": [_lang()],
                    "responses": {
                        "200": _response(
                            "The forms.",
                            {
                                "type": "object",
                                "required": ["settings", "plugins", "themes", "locales"],
                                "properties": {
                                    "settings": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Field"},
                                    },
                                    "plugins": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "name", "config"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "description": {"type": "string"},
                                                "config": {
                                                    "type": "array",
                                                    "items": {"$ref": "#/components/schemas/Field"},
                                                },
                                            },
                                        },
                                    },
                                    "themes": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                            },
                                        },
                                    },
                                    "locales": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                            },
                                        },
                                    },
                                    "messages": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                        "description": "The web app's own words, in the "
                                        "asked language.",
                                    },
                                },
                            },
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/settings": {
                "get": {
                    "summary": "The current settings.",
                    "security": auth,
                    "responses": {"200": _response("Settings.", "SettingsState"), **_errors(401)},
                },
                "patch": {
                    "summary": "Change some settings at once (whole lists for tiles and "
                    "contacts). Applied live, logged, announced to the senior, undoable.",
                    "security": auth,
                    "parameters": [_lang()],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["changes"],
                                "additionalProperties": False,
                                "properties": {
                                    "changes": {
                                        "type": "object",
                                        "minProperties": 1,
                                        "additionalProperties": True,
                                        "description": "Dotted key → new value, e.g. "
                                        '{"text_scale": 150, "voice.rate": 130}.',
                                    }
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": _response("Changed.", "SettingsState"),
                        **_errors(400, 401, 403, 413, 415),
                    },
                },
            },
            "/api/photos": {
                "post": {
                    "summary": "Upload a photo (JPEG or PNG, at most 2 MB) for a contact.",
                    "security": auth,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                            "image/png": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "responses": {
                        "201": _response(
                            "Stored; put `photo` in a contact's photo field.",
                            {
                                "type": "object",
                                "required": ["photo"],
                                "properties": {"photo": {"type": "string"}},
                            },
                        ),
                        **_errors(400, 401, 413, 415),
                    },
                }
            },
            "/api/photos/{name}": {
                "get": {
                    "summary": "A contact photo stored in the profile.",
                    "security": auth,
                    "parameters": [_path("name")],
                    "responses": {
                        "200": {
                            "description": "The image.",
                            "content": {
                                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                                "image/png": {"schema": {"type": "string", "format": "binary"}},
                            },
                        },
                        **_errors(401, 404),
                    },
                }
            },
            "/api/message": {
                "post": {
                    "summary": "Show a message big on the senior's screen and read it aloud.",
                    "security": auth,
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["text"],
                                "additionalProperties": False,
                                "properties": {
                                    "text": {"type": "string", "minLength": 1, "maxLength": 500}
                                },
                            }
                        ),
                    },
                    "responses": {
                        "202": _response("Shown.", obj),
                        **_errors(400, 401, 413, 415),
                    },
                }
            },
            "/api/plugins/{plugin}": {
                "post": {
                    "summary": "Send a tile's plugin a message (a photo, a call, a note); "
                    "what it takes and answers is the plugin's own.",
                    "security": auth,
                    "parameters": [_path("plugin")],
                    "requestBody": {"required": True, **_json({"type": "object"})},
                    "responses": {
                        "200": _response("The plugin's answer.", obj),
                        **_errors(400, 401, 404, 413, 503),
                    },
                }
            },
            "/api/alarms": {
                "get": {
                    "summary": "SOS alarms of the last day that nobody has acknowledged.",
                    "security": auth,
                    "responses": {
                        "200": _response(
                            "Alarms.",
                            {
                                "type": "object",
                                "required": ["alarms"],
                                "properties": {"alarms": {"type": "array", "items": obj}},
                            },
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/alarms/{alarm}/ack": {
                "post": {
                    "summary": 'Say "I\'ve seen it": the alarm stops escalating and the '
                    "senior is told who comes.",
                    "security": auth,
                    "parameters": [_path("alarm")],
                    "responses": {
                        "200": _response("Acknowledged.", obj),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/ack/{token}": {
                "get": {
                    "summary": "The page an SOS alert's link opens (HTML): what happened and "
                    "one button. Opening it acknowledges nothing. The link is the secret.",
                    "security": [],
                    "parameters": [_path("token")],
                    "responses": {"200": {"description": "An HTML page."}, **_errors(404)},
                },
                "post": {
                    "summary": "Acknowledge the SOS as the relative the link was made for.",
                    "security": [],
                    "parameters": [_path("token")],
                    "responses": {"200": {"description": "An HTML page."}, **_errors(404)},
                },
            },
            "/api/changes": {
                "get": {
                    "summary": "The latest changes made remotely and on the launcher, newest "
                    "first.",
                    "security": auth,
                    "parameters": [_lang()],
                    "responses": {
                        "200": _response(
                            "Changes.",
                            {
                                "type": "object",
                                "required": ["changes"],
                                "properties": {
                                    "changes": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Change"},
                                    }
                                },
                            },
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/changes/{id}/undo": {
                "post": {
                    "summary": "Put back the values a change replaced.",
                    "security": auth,
                    "parameters": [_path("id"), _lang()],
                    "responses": {
                        "200": _response("Undone.", "SettingsState"),
                        **_errors(401, 404, 409),
                    },
                }
            },
            "/api/helpers": {
                "get": {
                    "summary": "The people who can help.",
                    "security": auth,
                    "responses": {
                        "200": _response(
                            "Helpers.",
                            {
                                "type": "object",
                                "required": ["helpers"],
                                "properties": {
                                    "helpers": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Helper"},
                                    }
                                },
                            },
                        ),
                        **_errors(401),
                    },
                }
            },
            "/api/screen": {
                "post": {
                    "summary": "Ask to see the senior's screen; the senior must say yes, "
                    "every time.",
                    "security": auth,
                    "responses": {
                        "202": _response("Asked.", "ScreenSession"),
                        **_errors(401, 415),
                    },
                }
            },
            "/api/screen/{session}": {
                "get": {
                    "summary": "Whether the session is waiting, active, declined or ended.",
                    "security": auth,
                    "parameters": [_path("session")],
                    "responses": {
                        "200": _response("The session.", "ScreenSession"),
                        **_errors(401, 404),
                    },
                },
                "delete": {
                    "summary": "The relative leaves the screen.",
                    "security": auth,
                    "parameters": [_path("session")],
                    "responses": {"204": {"description": "Ended."}, **_errors(401, 404)},
                },
            },
            "/api/screen/{session}/frame": {
                "get": {
                    "summary": "The launcher's own window now, as a JPEG (poll a few times "
                    "a second; a page that stops asking for 30 s has left).",
                    "security": auth,
                    "parameters": [_path("session")],
                    "responses": {
                        "200": {
                            "description": "The picture.",
                            "content": {
                                "image/jpeg": {"schema": {"type": "string", "format": "binary"}}
                            },
                        },
                        **_errors(401, 404, 409),
                    },
                }
            },
            "/api/screen/{session}/tap": {
                "post": {
                    "summary": "Tap the window at x, y (fractions of its width and height).",
                    "security": auth,
                    "parameters": [_path("session")],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["x", "y"],
                                "additionalProperties": False,
                                "properties": {
                                    "x": {"type": "number", "minimum": 0, "maximum": 1},
                                    "y": {"type": "number", "minimum": 0, "maximum": 1},
                                },
                            }
                        ),
                    },
                    "responses": {
                        "200": _response("Tapped.", "ScreenSession"),
                        **_errors(400, 401, 404, 409, 415),
                    },
                }
            },
            "/api/helpers/me": {
                "delete": {
                    "summary": "Stop being a helper: this token stops working.",
                    "security": auth,
                    "responses": {"204": {"description": "Done."}, **_errors(401)},
                }
            },
        },
    }
