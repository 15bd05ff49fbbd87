"""WCAG 2.1 AA contrast (success criterion 1.4.3: 4.5:1 for text) of the
colours the online booking pages actually get: the stylesheet the page links
to is fetched and its colours are read, so that a theme or Odoo upgrade that
lowers a contrast fails here."""

import re

from odoo.tests import tagged

from .common import PortalCase

AA_TEXT = 4.5
NAMED = {"white": (255, 255, 255, 1.0), "black": (0, 0, 0, 1.0)}


def parse_colour(value):
    """(r, g, b, alpha) of a CSS colour: #rgb, #rrggbb, rgb(), rgba(), white, black."""
    value = value.strip().lower()
    if value in NAMED:
        return NAMED[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (*(int(digits[i : i + 2], 16) for i in (0, 2, 4)), 1.0)
    match = re.fullmatch(r"rgba?\(([^)]*)\)", value)
    if not match:
        raise ValueError(f"unsupported colour {value!r}")
    parts = [p.strip() for p in match.group(1).split(",")]
    alpha = float(parts[3]) if len(parts) == 4 else 1.0
    return (*(int(p) for p in parts[:3]), alpha)


def over(colour, background):
    """A translucent colour as seen over an opaque background."""
    alpha = colour[3]
    return tuple(
        round(c * alpha + b * (1 - alpha))
        for c, b in zip(colour[:3], background[:3], strict=True)
    )


def luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground, background):
    background = parse_colour(background)
    foreground = over(parse_colour(foreground), background)
    lighter, darker = sorted(
        (luminance(foreground), luminance(background[:3])), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


@tagged("post_install", "-at_install")
class TestBookingContrast(PortalCase):
    def stylesheet(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        hrefs = re.findall(r'href="(/web/assets/[^"]+\.css)"', page.text)
        self.assertTrue(hrefs, "the page links to its stylesheet")
        return "\n".join(self.url_open(href).text for href in hrefs)

    def variables(self, css):
        values = {}
        for block in re.findall(r":root[^{]*\{([^}]*)\}", css):
            for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+)", block):
                values.setdefault(name, value.strip())
        return values

    def rule(self, css, selector):
        match = re.search(re.escape(selector) + r"\{([^}]*)\}", css)
        self.assertTrue(match, selector)
        return dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+)", match.group(1)))

    def test_booking_pages_text_meets_wcag_aa_contrast(self):
        css = self.stylesheet(f"/rdv/cabinet-test?type_id={self.consult.id}&week=1")
        var = self.variables(css)
        body_bg = var["body-bg"]
        pairs = {
            "body text": (var["body-color"], body_bg),
            "muted text and field help": (var["secondary-color"], body_bg),
            "links": (var["link-color"], body_bg),
        }
        primary = self.rule(css, ".btn-primary")
        pairs["confirm button"] = (primary["btn-color"], primary["btn-bg"])
        for button in (".btn-outline-primary", ".btn-outline-secondary"):
            pairs[f"{button} (slots, other slot)"] = (
                self.rule(css, button)["btn-color"],
                body_bg,
            )
        for alert in ("danger", "success", "warning", "info"):
            pairs[f"{alert} message"] = (
                var[f"{alert}-text-emphasis"],
                var[f"{alert}-bg-subtle"],
            )
        for name, (foreground, background) in pairs.items():
            with self.subTest(name, colours=(foreground, background)):
                self.assertGreaterEqual(contrast(foreground, background), AA_TEXT)

    def test_contrast_formula(self):
        # WCAG's own extremes and a known pair (#767676 on white: 4.54:1)
        self.assertAlmostEqual(contrast("#000", "white"), 21.0, places=2)
        self.assertAlmostEqual(contrast("#fff", "#ffffff"), 1.0, places=2)
        self.assertAlmostEqual(contrast("#767676", "#ffffff"), 4.54, places=2)
        self.assertLess(contrast("rgba(0, 0, 0, 0.2)", "white"), AA_TEXT)
