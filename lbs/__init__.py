"""LBS Register: rosters, decision log, consultations and municipal costs of a local emergency staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request

from lbs.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    instance = Path(app.instance_path)
    app.config.update(load_config(instance))
    if config:
        app.config.update(config)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)

    from lbs.formatting import register_filters
    from lbs.forms import form_errors
    from lbs.labels import register_labels
    from lbs.navigation import register_navigation
    from lbs.security import register_form_guard, register_https, register_security_headers

    register_filters(app)
    app.add_template_global(form_errors, "form_errors")
    register_labels(app)
    register_navigation(app)
    register_security_headers(app)
    from lbs.hearing.live_fastpath import LivePolls

    # Inside ProxyFix (installed by register_https): the fast path sees the client's address as Flask does.
    app.wsgi_app = LivePolls(app, app.wsgi_app)  # type: ignore[method-assign]
    register_https(app)
    register_form_guard(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import refresh as babel_refresh

    from lbs.converters import IdConverter
    from lbs.database import LOCK_AT_FIRST_WRITE, configure_engine, engine_options, set_write_intent
    from lbs.extensions import babel, csrf, db, login_manager, migrate
    from lbs.i18n import compile_catalogs, select_locale, select_timezone
    from lbs.web import MAX_BODY

    app.url_map.converters["id"] = IdConverter
    options = dict(engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    import lbs.models  # noqa: F401  (register every model on the metadata)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from lbs.auth.views import load_user

    login_manager.user_loader(load_user)

    def _body_limit() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if (max_body := getattr(view, MAX_BODY, None)) is not None:
            request.max_content_length = max_body  # an upload route (lbs.web.accepts_body_of)

    # First of all: CSRF protection (registered above) reads the form, so the limit must be set before it.
    app.before_request_funcs.setdefault(None, []).insert(0, _body_limit)

    @app.before_request
    def _per_request_state() -> None:
        view = app.view_functions.get(request.endpoint or "")
        set_write_intent(request.method in ("POST", "PUT", "PATCH", "DELETE"),
                         lock_at_first_write=getattr(view, LOCK_AT_FIRST_WRITE, False))
        # The locale is cached on the app context; tests share one across requests.
        babel_refresh()

    @app.teardown_request
    def _end_request_state(_exc: BaseException | None) -> None:
        # The worker's (or test's) code after this request does not inherit its transaction mode.
        set_write_intent(False)


def register_blueprints(app: Flask) -> None:
    from lbs import main
    from lbs.admin import views as admin
    from lbs.api import api_bp
    from lbs.auth import views as auth
    from lbs.consultation import views as consultation
    from lbs.costs import views as costs
    from lbs.decisions import appended_views as appended
    from lbs.decisions import attachment_views as attachment_pages
    from lbs.decisions import (
        closing_views,  # noqa: F401  (adds closing and reopening to the incidents blueprint)
        incident_list,  # noqa: F401  (adds the incident list and creating one to the incidents blueprint)
        incident_page,  # noqa: F401  (adds the incident page to the incidents blueprint)
    )
    from lbs.decisions import compliance_views as compliance
    from lbs.decisions import views as decisions
    from lbs.hearing import answer_views as answers
    from lbs.hearing import live_views as live
    from lbs.hearing import views as proposals
    from lbs.incidents import views as incidents
    from lbs.notifications import views as notifications
    from lbs.review import pack_views as packs
    from lbs.review import views as review
    from lbs.staffs import views as staffs

    for module in (main, auth, staffs, incidents, decisions, appended, attachment_pages, consultation, compliance,
                   costs, review, packs, proposals, answers, notifications, admin, live):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_bp)

    from lbs.extensions import csrf

    csrf.exempt(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from lbs.api.frame import register_api_errorhandlers
    from lbs.main import register_html_errorhandlers, register_read_scope

    register_api_errorhandlers(app)
    register_html_errorhandlers(app)
    register_read_scope(app)  # after the API's token check: it reads the token's user


def register_cli(app: Flask) -> None:
    import lbs.cli  # noqa: F401  (adds every command to the group)
    from lbs.commands import lbs_cli

    app.cli.add_command(lbs_cli)
