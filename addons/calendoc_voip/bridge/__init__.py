# The bridge runs as its own process (python3 addons/calendoc_voip/bridge);
# Odoo imports only its signing module, to speak the same wire format.
