"""Studies run from routine care: randomization, de-identified and REDCap exports, site
aggregates pooled without moving patient data."""
