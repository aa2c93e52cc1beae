"""Child profiles: demographics, gestational age, communication, conditions, devices, labs and
vitals (with units and times), procedures, skin findings, medications and guardians."""
