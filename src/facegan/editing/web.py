"""The web page: upload a photo, pick the face and the expression, get the edited photo back.

A thin Gradio layer over an editing engine (facegan.editing.engine), served on 127.0.0.1 unless told
otherwise. Uploads are limited in size and type, and every refusal (no face, not an image, too big) is
shown as a message that names the upload, never the server's paths. Every request, whatever its route, is refused past the size
limit before any of it is read: a photo sent to the API as a data: URL is no way around it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from facegan.editing.edit import face_strip
from facegan.editing.engine import EditEngine, check_controls, class_index
from facegan.editing.faces import read_photo_file, save_photo
from facegan.editing.registry import load_engine
from facegan.errors import FaceganError
from facegan.visuals import make_grid_uint8

UPLOAD_TYPES = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".heic", ".heif")
MAX_UPLOAD = "10mb"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # also checked by the handler: an API call can send a photo past Gradio's own limit
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES * 4 // 3 + 64 * 1024
"""The largest request body: a photo at the upload limit as base64 (a data: URL), plus the form around it."""
DOWNLOAD_KEPT_S = 600
"""Seconds an edited photo's file stays in the page's own folder (Gradio serves its copy of it meanwhile)."""


def require_gradio():
    try:
        import gradio
    except ImportError:
        raise FaceganError("the web page needs Gradio: pip install 'facegan[web]'") from None
    return gradio


def edit_upload(engine: EditEngine, path: str | None, target: str, face: float | None, closer: bool = False,
                strength: float | None = None, downloads: Path | None = None) -> tuple[np.ndarray, np.ndarray, str, str | None]:
    """What the page's Edit button does: the edited photo, the before/after strip, a status line, and with a
    `downloads` folder, the edited photo as a file like the upload (its format, colour profile, EXIF and JPEG
    settings, as `facegan edit` writes it). `closer` and `strength` are the engine's controls
    (facegan.editing.engine.CONTROLS)."""
    if not path:
        raise FaceganError("upload a photo first")
    share = check_controls(engine, strength, closer)
    name = Path(path).name
    if Path(path).suffix.lower() not in UPLOAD_TYPES:
        raise FaceganError(f"'{name}' is not a photo this page takes: upload {', '.join(UPLOAD_TYPES)}")
    if Path(path).stat().st_size > MAX_UPLOAD_BYTES:
        raise FaceganError(f"'{name}' is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: upload a smaller photo")
    photo, kept = read_photo_file(path, shown_as=name)  # facegan's checked reader: size before decoding, EXIF orientation, one clear message
    class_index(engine.config, target)
    edits = engine.edit_faces(photo, None if face is None or face < 0 else int(face), closer=closer)
    rendered = {expression: engine.render(photo, edits, expression, share) for expression in engine.config.class_names}
    result = rendered[target]
    strip = make_grid_uint8(face_strip(photo, rendered, edits[0].box), len(rendered) + 1).transpose(1, 2, 0)
    edit = edits[0]
    how = ", closer to the photo" if closer else f", strength {share:g}" if "strength" in engine.controls else ""
    download = None
    if downloads is not None:
        forget_old_downloads(downloads)
        download = Path(tempfile.mkdtemp(dir=downloads)) / f"{Path(name).stem}_{target}{Path(name).suffix.lower()}"
        save_photo(result, download, kept)
    report = f"Face at ({edit.box.left}, {edit.box.top}): {engine.expression_of(edit)} -> {target}{how} in {edit.seconds:.2f} s ({edit.finding()})."
    if edit.note:
        report += f" {edit.note[0].upper()}{edit.note[1:]}."
    return result, strip, report, None if download is None else str(download)


def forget_old_downloads(downloads: Path) -> None:
    """Remove the edited photos' folders older than DOWNLOAD_KEPT_S, so a long-running page does not fill the disk."""
    for folder in downloads.iterdir():
        if time.time() - folder.stat().st_mtime > DOWNLOAD_KEPT_S:
            shutil.rmtree(folder, ignore_errors=True)


def build_app(engine: EditEngine):
    """The page, with only the controls the engine uses (so the API takes no option that would do nothing)."""
    gr = require_gradio()
    controls = [name for name in ("closer", "strength") if name in engine.controls]
    downloads = Path(tempfile.mkdtemp(prefix="facegan-web-"))
    atexit.register(shutil.rmtree, downloads, True)

    def on_edit(path: str | None, target: str, face: float | None, *values: bool | float):
        try:
            return edit_upload(engine, path, target, face, **dict(zip(controls, values)), downloads=downloads)
        except FaceganError as error:
            raise gr.Error(str(error)) from None

    names = list(engine.config.class_names)
    # No telemetry and no version check: Gradio sends both to its servers by default, and facegan works offline.
    with gr.Blocks(title="facegan: change the expression on a photo", analytics_enabled=False) as app:
        gr.Markdown("## facegan: change the expression on a photo\nUpload a photo with a frontal face, pick an expression, press Edit.")
        with gr.Row():
            # A file, not gr.Image: Gradio would decode an image upload itself, before facegan's checks.
            photo = gr.File(label="Photo (JPEG, PNG, WebP, AVIF or HEIC)", file_types=list(UPLOAD_TYPES), type="filepath", elem_id="photo")
            edited = gr.Image(type="numpy", label="Edited photo (as a PNG with the button above it; as a file like the upload below)", format="png",
                              elem_id="edited", interactive=False)
        with gr.Row():
            target = gr.Dropdown(names, value="happy" if "happy" in names else names[-1], label="Expression")
            face = gr.Number(value=-1, precision=0, label="Face: 0 is the leftmost, -1 the largest")
            inputs = [photo, target, face]
            if "closer" in controls:
                inputs.append(gr.Checkbox(label="Closer to the photo (slower; a weaker expression change)", elem_id="closer"))
            if "strength" in controls:
                inputs.append(gr.Slider(0, 1, value=1, step=0.05, label="Strength (1: the whole change)", elem_id="strength"))
            button = gr.Button("Edit", variant="primary", elem_id="edit")
        status = gr.Markdown(elem_id="status")
        download = gr.File(label="The edited photo as a file like the upload: its format, colour profile and EXIF",
                           elem_id="download", interactive=False)
        strip = gr.Image(type="numpy", label="Before / after: the face, then every expression", interactive=False)
        button.click(on_edit, inputs, [edited, strip, status, download])
    return app


class RequestSizeLimit:
    """ASGI middleware: a request whose body is over `limit` bytes gets 413 before any of it is read or
    decoded, whatever its route (Gradio's own limit covers its upload route only)."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                return await self.refuse(send)
            return await self.app(scope, receive, send)
        # A body sent in chunks, with no length: read up to the limit here, then hand it on.
        messages, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            size += len(message.get("body", b""))
            if size > self.limit:
                return await self.refuse(send)
            messages.append(message)
            if not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def refuse(self, send) -> None:
        body = f"request over {self.limit // (1024 * 1024)} MB: upload a photo of at most {MAX_UPLOAD}".encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain"),
                                                                             (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def launch(app, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> None:
    """Serve the page with facegan's limits: the upload size, and the request size on every route. Gradio's queue calls
    pandas APIs that pandas 3 deprecates; the warnings name neither facegan nor anything its user can change, so they
    are not shown."""
    from starlette.middleware import Middleware

    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"gradio\.")
    app.launch(server_name=host, server_port=port, max_file_size=MAX_UPLOAD, show_error=True, prevent_thread_lock=not block,
               app_kwargs={"middleware": [Middleware(RequestSizeLimit, limit=MAX_REQUEST_BYTES)]})


def serve(checkpoint: str | Path | None = None, host: str = "127.0.0.1", port: int = 7860, engine: str | None = None) -> None:
    """The page for a checkpoint's engine, or without one, facegan's default engine."""
    launch(build_app(load_engine(checkpoint, engine)), host, port)
