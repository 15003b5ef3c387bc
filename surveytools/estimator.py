"""The estimator base of surveytools: what FactorModel, Segmenter, TypingTool (and every model to come) share.

A model is a subclass of :class:`Estimator` that follows the scikit-learn contract:

1. ``__init__`` only stores its arguments, under the same names (no checks, no derived values), so
   ``get_params``/``set_params``/``repr`` and ``sklearn.base.clone`` work from the signature alone.
2. ``_parameter_constraints`` declares, once, what each parameter accepts (a :data:`Check` per name, built
   from the helpers below). ``fit`` starts with ``self._validate_params()``, which raises
   :class:`~surveytools.exceptions.InvalidParameterError` naming the first bad parameter. Nothing else
   validates parameters.
3. ``fit`` returns ``self``; what it learns goes in attributes ending in ``_`` and set only once the fit
   succeeded. ``self._check_fitted()`` (first line of predict/transform/save) raises
   :class:`~surveytools.exceptions.NotFittedError` when there is none.
4. Persistence: the class names its file ``_model_format`` (a tag, never changed once released) and
   ``_model_version``, and implements ``_model_body()`` (the fitted state as JSON-ready data) and
   ``_from_model_body(body)`` (the reverse). The base writes one header (format, version,
   surveytools version, see :mod:`surveytools._modelfile`) and gives ``to_model_dict``, ``from_model_dict``,
   ``save`` and ``load``.

A minimal model::

    class MeanModel(Estimator):
        _parameter_constraints = {"shrink": number(0, 1)}
        _model_format = "surveytools.MeanModel"
        _model_what = "a saved mean model"
        _model_hint = "write one with MeanModel.save"

        def __init__(self, shrink: float = 0.0) -> None:
            self.shrink = shrink

        def fit(self, X, y=None):
            self._validate_params()
            self.mean_ = (1 - self.shrink) * X.mean()
            return self

        def predict(self, X):
            self._check_fitted()
            return X * 0 + self.mean_

        def _model_body(self):
            return {"mean": self.mean_.to_dict()}

        @classmethod
        def _from_model_body(cls, body, params):
            model = cls(**params)
            model.mean_ = pd.Series(body["mean"])
            return model

``tests/test_estimator.py`` runs the contract checks on every estimator listed there: add new ones to it.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from ._modelfile import check_model_header, model_header, read_model_json, write_model_json
from .exceptions import InputFileError, InvalidParameterError, NotFittedError, SurveyToolsError

__all__ = ["Estimator", "Check", "whole", "number", "one_of", "flag", "text_or_list", "mapping", "function",
           "either", "parsed_by"]

#: A parameter check: ``check(name, value)`` returns None when the value is acceptable, else one sentence
#: naming the parameter and saying what it accepts.
Check = Callable[[str, Any], "str | None"]

E = TypeVar("E", bound="Estimator")


# ============================================================================================ checks
def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def whole(lo: int | None = None, hi: int | None = None, *, none: bool = False) -> Check:
    """A whole number (not a bool) in ``[lo, hi]``; None also when ``none``."""
    if lo is not None and hi is not None:
        words = f"a whole number from {lo} to {hi}"
    elif lo is not None:
        words = f"a whole number >= {lo}"
    elif hi is not None:
        words = f"a whole number <= {hi}"
    else:
        words = "a whole number"
    words += " or None" if none else ""

    def check(name: str, v: Any) -> str | None:
        if v is None and none:
            return None
        if _is_int(v) and (lo is None or v >= lo) and (hi is None or v <= hi):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def number(lo: float | None = None, hi: float | None = None, *, hi_open: bool = False, none: bool = False) -> Check:
    """A finite number (not a bool) in ``[lo, hi]`` (``[lo, hi)`` with ``hi_open``); None also when ``none``."""
    if lo is not None and hi is not None:
        words = f"a number from {lo:g} to {hi:g}" + (f" ({hi:g} excluded)" if hi_open else "")
    elif lo is not None:
        words = f"a number >= {lo:g}"
    elif hi is not None:
        words = f"a number {'<' if hi_open else '<='} {hi:g}"
    else:
        words = "a number"
    words += " or None" if none else ""

    def check(name: str, v: Any) -> str | None:
        if v is None and none:
            return None
        if _is_num(v) and math.isfinite(float(v)) and (lo is None or v >= lo) and (
                hi is None or (v < hi if hi_open else v <= hi)):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def one_of(*choices: str, what: str | None = None, aliases: Sequence[str] = (), ignore_case: bool = False,
           none: bool = False) -> Check:
    """One of ``choices`` or ``aliases`` (other accepted spellings), exactly or ignoring case.

    ``what`` names the kind of value for the message ("extraction method": "method: unknown extraction
    method 'alpha'; choose one of minres, ml, pa").
    """
    known = {c.lower() if ignore_case else c for c in (*choices, *aliases)}
    words = "one of " + ", ".join(choices) + (" or None" if none else "")

    def check(name: str, v: Any) -> str | None:
        if v is None and none:
            return None
        if isinstance(v, str) and (v.lower() if ignore_case else v) in known:
            return None
        if what:
            return f"{name}: unknown {what} {v!r}; choose {words}"
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def flag(*, none: bool = False) -> Check:
    """True or False (None also when ``none``: "decide for me")."""
    words = "True or False" + (" or None" if none else "")

    def check(name: str, v: Any) -> str | None:
        if (v is None and none) or isinstance(v, (bool, np.bool_)):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def text_or_list(*, none: bool = True) -> Check:
    """Text (e.g. comma-separated ids) or a list of texts; None also when ``none``."""
    words = "text or a list of texts" + (" or None" if none else "")

    def check(name: str, v: Any) -> str | None:
        if (v is None and none) or isinstance(v, str):
            return None
        if isinstance(v, Sequence) and all(isinstance(x, str) for x in v):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def mapping(*, none: bool = True) -> Check:
    """A mapping (dict); None also when ``none``."""
    words = "a mapping" + (" or None" if none else "")

    def check(name: str, v: Any) -> str | None:
        if (v is None and none) or isinstance(v, Mapping):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def function(*, none: bool = True) -> Check:
    """A callable (e.g. a progress callback); None also when ``none``."""
    words = "a function" + (" or None" if none else "")

    def check(name: str, v: Any) -> str | None:
        if (v is None and none) or callable(v):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def either(*checks: Check) -> Check:
    """Any of ``checks``; the message lists what each accepts."""
    words = " or ".join(getattr(c, "words", "?") for c in checks)

    def check(name: str, v: Any) -> str | None:
        if any(c(name, v) is None for c in checks):
            return None
        return f"{name} must be {words}, not {v!r}"
    check.words = words  # type: ignore[attr-defined]
    return check


def parsed_by(parse: Callable[[Any], Any], words: str) -> Check:
    """Accepted when ``parse(value)`` does not raise a :class:`SurveyToolsError` (whose message is used).

    For parameters with their own parser, e.g. ``k`` of the Segmenter (``parse_k``) or a rotation name.
    """
    def check(name: str, v: Any) -> str | None:
        try:
            parse(v)
        except (SurveyToolsError, TypeError, ValueError) as exc:
            msg = exc.message if isinstance(exc, SurveyToolsError) else str(exc)
            return msg if msg.startswith(f"{name} ") else f"{name}: {msg}"
        return None
    check.words = words  # type: ignore[attr-defined]
    return check


# ============================================================================================ base
class Estimator:
    """Base class of surveytools models (see the module docstring for the contract).

    Class attributes a subclass sets
    --------------------------------
    _parameter_constraints
        Parameter name -> :data:`Check`; every ``__init__`` parameter has one.
    _parameter_error
        The :class:`InvalidParameterError` subclass raised (a subclass may keep an older base class catchable).
    _model_format, _model_version
        The model file's ``format`` tag and layout version.
    _model_what, _model_hint
        What the file is and how to write one, for messages ("a saved factor model", "write one with ...").
    """

    _parameter_constraints: ClassVar[dict[str, Check]] = {}
    _parameter_error: ClassVar[type[InvalidParameterError]] = InvalidParameterError
    _model_format: ClassVar[str] = ""
    _model_version: ClassVar[int] = 1
    _model_what: ClassVar[str] = "a saved model"
    _model_hint: ClassVar[str] = "write one with the model's save method"

    # ------------------------------------------------------------------------- parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        """The ``__init__`` parameters, in signature order."""
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters, as stored (``deep`` is accepted for scikit-learn and ignored)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: E, **params: Any) -> E:
        """Set constructor parameters; returns self. Values are checked by the next ``fit``.

        Raises
        ------
        InvalidParameterError
            An unknown parameter name.
        """
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise self._parameter_error(f"unknown parameter {key!r} of {type(self).__name__}; valid: "
                                            f"{', '.join(valid)}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        args = []
        for key, value in self.get_params().items():
            try:
                same = bool(value == defaults.get(key))
            except (TypeError, ValueError):
                same = False
            if not same:
                args.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def _validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints`` (first line of ``fit``).

        Raises
        ------
        InvalidParameterError
            The first parameter that breaks its constraint (the class's ``_parameter_error``), named.
        """
        for name in self._param_names():
            check = self._parameter_constraints.get(name)
            if check is None:
                continue
            problem = check(name, getattr(self, name))
            if problem is not None:
                raise self._parameter_error(problem)

    # ------------------------------------------------------------------------- fitted state
    def __sklearn_is_fitted__(self) -> bool:
        """Fitted: some attribute ends in ``_`` (as ``sklearn.utils.validation.check_is_fitted``)."""
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def _check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless fitted (first line of predict/transform/save)."""
        if not self.__sklearn_is_fitted__():
            name = type(self).__name__
            raise NotFittedError(f"this {name} is not fitted yet; call fit first (or {name}.load(path))")

    # ------------------------------------------------------------------------- model file
    def _model_body(self) -> dict[str, Any]:
        """The fitted state as JSON-ready data (the model file without its header)."""
        raise NotImplementedError

    @classmethod
    def _from_model_body(cls: type[E], body: Mapping[str, Any], params: dict[str, Any]) -> E:
        """Rebuild a fitted model from :meth:`_model_body` data; ``params`` are the stored parameters."""
        raise NotImplementedError

    def _model_params(self) -> dict[str, Any]:
        """The parameters as written to the model file (JSON-ready; override to leave some out)."""
        return _jsonable(self.get_params())

    def to_model_dict(self) -> dict[str, Any]:
        """The fitted model as JSON-ready data: the header, ``params``, then the model's own keys."""
        self._check_fitted()
        return {**model_header(self._model_format, self._model_version), "params": self._model_params(),
                **self._model_body()}

    @classmethod
    def from_model_dict(cls: type[E], data: Mapping[str, Any], *, source: str = "the model") -> E:
        """Rebuild a fitted model from :meth:`to_model_dict` data (or a file written by an earlier version).

        Raises
        ------
        InputFileError
            Another format, a newer version, or damaged content.
        """
        body = check_model_header(data, source=source, what=cls._model_what, hint=cls._model_hint,
                                  fmt=cls._model_format, version=cls._model_version)
        try:
            params = dict(body.get("params") or {})
            unknown = set(params) - set(cls._param_names())
            params = {k: v for k, v in params.items() if k not in unknown}
            return cls._from_model_body(body, params)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputFileError(f"{source}: damaged model file, not readable as {cls._model_what} "
                                 f"({type(exc).__name__}: {exc}); "
                                 f"{cls._model_hint}") from None

    def save(self, path: str | os.PathLike[str], *, inputs: Sequence[str | os.PathLike[str]] = ()) -> Path:
        """Write the fitted model to a JSON model file (atomically, never over one of ``inputs``).

        Raises
        ------
        NotFittedError
            The model is not fitted.
        InputFileError
            The folder does not exist, or ``path`` is one of ``inputs``.
        """
        return write_model_json(path, self.to_model_dict(), inputs=inputs)

    @classmethod
    def load(cls: type[E], path: str | os.PathLike[str]) -> E:
        """Read a model file written by :meth:`save` (of this or an earlier surveytools).

        Raises
        ------
        InputFileError
            Missing file, not JSON, another kind of model, a newer version, or damaged.
        """
        p = Path(path)
        data = read_model_json(p, what=cls._model_what, hint=cls._model_hint, fmt=cls._model_format,
                               version=cls._model_version)
        return cls.from_model_dict(data, source=str(p))


def _jsonable(obj: Any) -> Any:
    """Parameters as JSON data: tuples become lists, numpy scalars Python numbers, non-finite floats None."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(float(obj)) else None
    if callable(obj):
        return None
    return obj
