"""Settings live in modules by environment: `dev` (default for manage.py, make demo),
`test` (pytest) and `production` (gunicorn, docker-compose). All read the environment
through `base`; see README "Configuration" for the variables."""
