"""Portal pages of the deals app: the partner side (is this customer free? reserve it, my
reservations) in ``partner``, the vendor side (accounts, an account's page, merging, the
reservation policy) in ``vendor``. Each module lists its own ``urlpatterns``."""
