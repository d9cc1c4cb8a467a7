"""Video calls to the family: Jitsi Meet rooms, SIP through baresip, or a link."""
