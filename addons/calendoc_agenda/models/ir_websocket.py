from odoo import models


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """The day board's live refresh: a secretary or practitioner also
        listens to the client accounts whose agendas he reads (decided here,
        on the server, with his record rules; never a channel the browser
        names)."""
        channels = super()._build_bus_channel_list(channels)
        if self.env.uid and not self.env.user._is_public():
            channels.extend(self.env["calendoc.board"]._bus_channels())
        return channels
