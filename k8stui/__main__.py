from k8stui.cli import main

raise SystemExit(main())
