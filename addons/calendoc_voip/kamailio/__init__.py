"""CalenDoc's Kamailio configuration: the template and its renderer."""
