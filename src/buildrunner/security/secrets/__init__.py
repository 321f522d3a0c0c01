"""Secret detection: rules, the keyword prefilter, the detector and the analyzer."""
