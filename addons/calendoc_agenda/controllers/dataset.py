import inspect

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.models import check_method_name

from odoo.addons.web.controllers.dataset import DataSet

from ..tools.params import InvalidInput, parse_id

# the most records one call may name (the web client sends a page at most)
MAX_IDS = 10_000
# how much of an unknown method's name an error repeats
MAX_NAME = 64


class CalendocDataSet(DataSet):
    """JSON-RPC calls (``/web/dataset/call_kw``, ``call_button``) are checked
    before Odoo runs them: the model must exist and the method be one of its
    public ones, and a CalenDoc method must be given the records it runs on
    as ids PostgreSQL can hold and the arguments its signature takes. Odoo
    would browse any JSON value as ids ("²", 2**40, a list) and call any name
    with any arguments, and answer a server error instead of telling the
    caller what is wrong."""

    def _calendoc_call_kw_readonly(self):
        """Odoo's choice of a read-only cursor, once the model and the method
        are names (Odoo's own test fails on anything else): what is not a
        call of a known model gets a read/write cursor and is refused by the
        endpoint."""
        payload = request.get_json_data()
        call = payload.get("params") if isinstance(payload, dict) else None
        if (
            not isinstance(call, dict)
            or not isinstance(call.get("model"), str)
            or call["model"] not in request.registry
            or not isinstance(call.get("method"), str)
        ):
            return False
        return self._call_kw_readonly()

    @http.route(readonly=_calendoc_call_kw_readonly)
    def call_kw(self, model, method, args, kwargs, path=None):
        self._calendoc_check_call(model, method, args, kwargs)
        return super().call_kw(model, method, args, kwargs, path=path)

    @http.route(readonly=_calendoc_call_kw_readonly)
    def call_button(self, model, method, args, kwargs, path=None):
        self._calendoc_check_call(model, method, args, kwargs)
        return super().call_button(model, method, args, kwargs, path=path)

    def _calendoc_check_call(self, model, method, args, kwargs):
        env = request.env
        if not isinstance(model, str) or model not in env.registry:
            raise NotFound()
        if (
            not isinstance(method, str)
            or not isinstance(args, list)
            or not isinstance(kwargs, dict)
        ):
            raise InvalidInput(
                env._("A call names a method, a list of arguments and a dictionary.")
            )
        check_method_name(method)
        function = getattr(env.registry[model], method, None)
        if not callable(function) or isinstance(function, type):
            raise InvalidInput(
                env._(
                    "%(model)s has no method %(method)s.",
                    model=model,
                    method=method[:MAX_NAME],
                )
            )
        if not self._calendoc_is_ours(model, function):
            return
        positional = args
        if not getattr(function, "_api", None):  # not @api.model: on records
            ids = args[0] if args else None
            if isinstance(ids, int) and not isinstance(ids, bool):
                ids = [ids]
            if (
                not isinstance(ids, list)
                or len(ids) > MAX_IDS
                or any(parse_id(record_id) is None for record_id in ids)
            ):
                raise InvalidInput(
                    env._("The records a method is called on are named by their ids.")
                )
            positional = args[1:]
        named = {key: value for key, value in kwargs.items() if key != "context"}
        try:
            inspect.signature(function).bind(None, *positional, **named)
        except TypeError:
            raise InvalidInput(
                env._(
                    "%(method)s is not called with the arguments it takes.",
                    method=method,
                )
            ) from None

    def _calendoc_is_ours(self, model, function):
        """Whether ``model`` is a CalenDoc model or ``function`` CalenDoc code."""
        module = getattr(function, "__module__", "") or ""
        original = request.env.registry[model]._original_module or ""
        return module.startswith("odoo.addons.calendoc_") or original.startswith(
            "calendoc_"
        )
