"""The Qt layer of Meja Aduan: windows, forms, models and workers. Calls desk_app services."""
