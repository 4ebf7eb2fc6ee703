from questionnaire import create_app; app = create_app()  # noqa: E702, I001
