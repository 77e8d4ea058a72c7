"""The ``states`` agenda: what POHODA did with a transferred order goes back to the shop order."""
