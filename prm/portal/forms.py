"""Form helpers shared by the portal's pages."""

from __future__ import annotations

from django import forms


class PortalForm(forms.Form):
    """Bootstrap classes on every widget, so templates render ``{{ field }}`` as is."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_service_errors(self, exc, translate=str) -> None:
        """Show a service's ValidationError on the matching fields (or the whole form),
        each message passed through ``translate``."""
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages in errors.items():
            target = field if field in self.fields else None
            self.add_error(target, [translate(m) for m in messages])
