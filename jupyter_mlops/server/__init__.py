"""The jupyter-server extension: REST endpoints for the JupyterLab front end."""

from __future__ import annotations

from traitlets import Int
from traitlets.config import Configurable

from .handlers import API_VERSION, NAMESPACE, ServerState, handlers
from .jobs import JobRegistry


class JupyterMlops(Configurable):
    """Settings of the jupyter-mlops server extension (`--JupyterMlops.max_body_size=...`)."""

    max_body_size = Int(64 * 1024 * 1024, config=True,
                        help="Largest request body (bytes) the REST endpoints accept; a notebook "
                             "sent for linting must fit.")
    max_jobs = Int(2, config=True, help="Productionise jobs allowed to run at the same time.")


def _load_jupyter_server_extension(serverapp) -> None:
    settings = JupyterMlops(config=serverapp.config)
    web_app = serverapp.web_app
    state = ServerState(max_body_size=settings.max_body_size,
                        jobs=JobRegistry(settings.max_jobs, log=serverapp.log))
    web_app.settings["jupyter_mlops"] = state
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    serverapp.log.info("jupyter-mlops: REST API at %s%s/api/v%d", web_app.settings["base_url"],
                       NAMESPACE, API_VERSION)


__all__ = ["JupyterMlops", "_load_jupyter_server_extension"]
