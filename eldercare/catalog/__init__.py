"""The service menu (菜单式居家养老): categories, items with guide prices, regional menus."""
