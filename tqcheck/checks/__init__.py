"""Layer 4, checks: rule packs, grammar engines, source checks and the catalog of rule ids they emit. Each
check turns Segments into Findings. Imports the core, readers and language resources."""
