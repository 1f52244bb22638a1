build2/tests/unit/test_config: tests/unit/test_config.c tools/config.h
tools/config.h:
