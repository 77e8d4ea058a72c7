@echo off
rem POHODA adapter - start on Windows (double-click, or a shortcut in shell:startup).
rem First run: creates .venv and installs the project (later starts skip pip). Then starts the app,
rem which opens the browser at http://127.0.0.1:8800/ by itself.
setlocal
chcp 65001 >nul
cd /d "%~dp0"

set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY (
  where python >nul 2>nul && set "PY=python"
)
if not defined PY (
  echo Python 3.11 nebo novejsi nebyl nalezen. Nainstalujte jej z https://www.python.org/downloads/
  echo a pri instalaci zaskrtnete "Add python.exe to PATH".
  pause
  exit /b 1
)

%PY% -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)" >nul 2>nul
if errorlevel 1 (
  echo Nalezeny Python je starsi nez 3.11. Nainstalujte Python 3.11 nebo novejsi z https://www.python.org/downloads/
  pause
  exit /b 1
)

rem Install only when needed: dev.py keeps a stamp in .venv (the hash of pyproject.toml and the
rem Python version) and runs pip only when .venv is missing or pyproject.toml changed, so the
rem second start takes a few seconds. "python dev.py demo" uses the same stamp.
set "FRESH="
if not exist ".venv\Scripts\python.exe" set "FRESH=1"
if defined FRESH echo Prvni spusteni: vytvarim virtualni prostredi .venv a instaluji POHODA adapter ...
%PY% dev.py install
if errorlevel 1 goto :fail
if not exist ".venv\Scripts\python.exe" goto :fail

".venv\Scripts\python.exe" app.py %*
set "RC=%errorlevel%"
if not "%RC%"=="0" (
  echo.
  echo POHODA adapter skoncil s chybou - duvod je vypsan vyse.
  echo Okno zustava otevrene, abyste si zpravu mohli precist.
  pause
)
exit /b %RC%

:fail
echo Instalace se nezdarila. Zkontrolujte pripojeni k internetu a spustte soubor znovu.
if defined FRESH rmdir /s /q .venv 2>nul
pause
exit /b 1
