"""Form helpers shared by the portal's pages."""

from __future__ import annotations

from django import forms


def widget_css(widget: forms.Widget) -> str:
    """Bootstrap's class for a widget: check inputs (one box, or each box and radio of a
    group), selects, and form controls for everything else."""
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class PortalForm(forms.Form):
    """Bootstrap classes on every widget, so templates render ``{{ field }}`` as is; a field
    with an error gets Bootstrap's invalid state (``is-invalid``, ``aria-invalid``), however
    the error came (the field's own cleaning, the model's constraints, a service)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = widget_css(widget)
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def add_service_errors(self, exc, translate=str) -> None:
        """Show a service's ValidationError on the matching fields (or the whole form),
        each message passed through ``translate``."""
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages in errors.items():
            target = field if field in self.fields else None
            self.add_error(target, [translate(m) for m in messages])
