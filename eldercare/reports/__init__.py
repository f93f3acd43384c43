"""Reports: the bureau's dashboard (charts and their CSV) and the community staff's day."""
