"""Slack's external upload flow (what WebClient.files_upload_v2 does), and file downloads.

1. ``files.getUploadURLExternal`` (filename, length) -> upload_url, file_id
2. ``POST upload_url`` with the bytes (raw body, or multipart) -> ``200 "OK - <length>"``
3. ``files.completeUploadExternal`` (files=[{id, title}], channel_id, initial_comment, thread_ts)
   -> shares the files into the channel as one message.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from bot.sandbox.blocks import MessageError
from bot.sandbox.chat import message_content
from bot.sandbox.state import Message, SandboxState, StoredFile
from bot.sandbox.web_api import ApiError, MethodCall, method


def file_path(state: SandboxState, file: StoredFile) -> str:
    """Where the fake serves a file's bytes (relative to its base URL)."""
    return f"/files-pri/{state.team_id}-{file.id}/{quote(file.name)}"


def file_object(state: SandboxState, file: StoredFile) -> dict[str, Any]:
    """A file as Slack's API shows it."""
    mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    filetype = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else "binary"
    url = state.base_url + file_path(state, file)
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title or file.name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": file.user,
        "user_team": state.team_id,
        "editable": False,
        "size": len(file.content) if file.content is not None else file.length,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(file.channels),
        "public_url_shared": False,
        "url_private": url,
        "url_private_download": url + "?download=1",
        "permalink": f"{state.base_url}/files/{file.user}/{file.id}/{quote(file.name)}",
        "alt_txt": file.alt_txt,
        "channels": list(file.channels),
        "groups": [],
        "ims": [],
    }


@method("files.getUploadURLExternal")
def get_upload_url(call: MethodCall) -> dict[str, Any]:
    filename = str(call.require("filename"))
    try:
        length = int(call.require("length"))
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", ["[ERROR] length must be an integer"]) from None
    if length < 0:
        raise ApiError("invalid_arguments", ["[ERROR] length must be a positive integer"])
    file_id, token = call.state.new_upload(
        filename, length, call.state.bot_user.id, call.get("alt_txt")
    )
    return {"upload_url": f"{call.host_url}/upload/v1/{token}", "file_id": file_id}


def _requested_files(call: MethodCall) -> list[dict[str, Any]]:
    files = call.json_param("files")
    if not isinstance(files, list) or not files:
        raise ApiError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    for item in files:
        if not isinstance(item, dict) or not item.get("id"):
            raise ApiError("invalid_arguments", ["[ERROR] every file needs an id"])
        stored = call.state.file(item["id"])
        if stored is None or stored.content is None:
            raise ApiError("file_not_found")
    return files


@method("files.completeUploadExternal")
def complete_upload(call: MethodCall) -> dict[str, Any]:
    state = call.state
    files = _requested_files(call)
    targets = [call.get("channel_id")] if call.get("channel_id") else []
    targets += [c for c in str(call.get("channels") or "").split(",") if c]
    channels = [state.find_channel(c) for c in targets]
    if any(c is None for c in channels):
        raise ApiError("channel_not_found")
    try:
        text, blocks = message_content(
            state, call.get("initial_comment"), call.get("blocks"), has_other_content=True
        )
    except MessageError as exc:
        raise ApiError(exc.code, exc.messages) from None
    for channel in channels:
        assert channel is not None
        for item in files:
            state.complete_file(item["id"], item.get("title"), channel.id)
        state.add_message(
            Message(
                channel.id,
                state.next_ts(),
                state.bot_user.id,
                text,
                blocks,
                file_ids=[f["id"] for f in files],
                thread_ts=call.get("thread_ts"),
                bot_id=state.bot_id,
            )
        )
    if not channels:
        for item in files:
            state.complete_file(item["id"], item.get("title"), None)
    return {"files": [state.file_json(f["id"]) for f in files]}


@method("files.info")
def files_info(call: MethodCall) -> dict[str, Any]:
    if call.state.file(str(call.require("file"))) is None:
        raise ApiError("file_not_found")
    return {"file": call.state.file_json(call.require("file"))}


def files_blueprint(state: SandboxState) -> Blueprint:
    files = Blueprint("slack_files", __name__)

    @files.post("/upload/v1/<token>")
    def upload(token: str) -> Response:
        if request.mimetype == "multipart/form-data":
            part = next(iter(request.files.values()), None)
            content = part.read() if part else b""
        else:
            content = request.get_data()
        if not state.receive_upload(token, content):
            return Response("invalid upload url", status=404, mimetype="text/plain")
        return Response(f"OK - {len(content)}", status=200, mimetype="text/plain")

    @files.get("/files-pri/<team_file>/<path:name>")
    def download(team_file: str, name: str) -> Response:
        file = state.file(team_file.rsplit("-", 1)[-1])
        if file is None or file.content is None or file.name != name:
            return Response("file not found", status=404, mimetype="text/plain")
        mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        response = Response(file.content, mimetype=mimetype)
        if request.args.get("download"):
            response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    return files
