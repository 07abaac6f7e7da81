//! Ansible `json` stdout-callback output to deployment events.
