"""The portal's lists are paged by Odoo's ``pager`` (portal controllers); the
models that fetch a page compute it the same way."""


def page_offset(total, page, step):
    """(page, offset) of page ``page`` of ``total`` records shown ``step`` a
    page, as the portal's pager shows it: the last page when asked beyond it,
    the first when there is none."""
    page = max(1, min(page, -(-total // step)))
    return page, (page - 1) * step
