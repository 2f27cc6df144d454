-- Compare-and-set of an envelope (the format of EnvelopeCodec): stores ARGV[2] at KEYS[1] for
-- ARGV[3] ms only if the version stored now equals ARGV[1]. Returns 1 when stored, else 0.
-- With ARGV[4] and ARGV[5] (a RedisStore's), a stored write also publishes the L1 invalidation
-- ARGV[5] on the channel ARGV[4], in the same step.
--
-- The version is read as EnvelopeCodec.TryReadVersion reads it: an array header of 6 elements and
-- format version 1 (or 8 elements and format 2, a tagged entry), then the version, an integer in [1, 2^53) (exact as a Lua double); anything
-- else, absent bytes, or a key of another Redis type count as version 0. The header is parsed by
-- hand because Redis's cmsgpack cannot decode the payload's bin type ("Bad data format in input"),
-- and so need not look at the payload at all.

-- A MessagePack integer at pos: its value and the position after it, or nil.
local widths = { [0xcc] = 1, [0xcd] = 2, [0xce] = 4, [0xcf] = 8, [0xd0] = 1, [0xd1] = 2, [0xd2] = 4, [0xd3] = 8 }
local function read_int(bytes, pos)
  local tag = string.byte(bytes, pos)
  if tag == nil then
    return nil
  elseif tag <= 0x7f then
    return tag, pos + 1
  elseif tag >= 0xe0 then
    return tag - 256, pos + 1
  end
  local width = widths[tag]
  if width == nil or #bytes < pos + width then
    return nil
  end
  local value = 0
  for i = 1, width do
    value = value * 256 + string.byte(bytes, pos + i)
  end
  if tag >= 0xd0 and string.byte(bytes, pos + 1) >= 0x80 then
    value = -1 -- a negative signed integer: never a version or a format
  end
  return value, pos + 1 + width
end

-- The element count of the array header at the start, and the position after it, or nil.
local function read_array_header(bytes)
  local tag = string.byte(bytes, 1)
  if tag == nil then
    return nil
  elseif tag >= 0x90 and tag <= 0x9f then
    return tag - 0x90, 2
  elseif tag == 0xdc and #bytes >= 3 then
    return string.byte(bytes, 2) * 256 + string.byte(bytes, 3), 4
  elseif tag == 0xdd and #bytes >= 5 then
    local b1, b2, b3, b4 = string.byte(bytes, 2, 5)
    return ((b1 * 256 + b2) * 256 + b3) * 256 + b4, 6
  end
  return nil
end

local function version_of(bytes)
  if type(bytes) ~= 'string' then
    return 0
  end
  local count, pos = read_array_header(bytes)
  if count ~= 6 and count ~= 8 then
    return 0
  end
  local format, version
  format, pos = read_int(bytes, pos)
  -- Format 1: six elements; format 2 (a tagged entry): the same, then two tag sums after the payload.
  if not ((format == 1 and count == 6) or (format == 2 and count == 8)) then
    return 0
  end
  version = read_int(bytes, pos)
  if version == nil or version < 1 or version >= 9007199254740992 then
    return 0
  end
  return version
end

-- pcall: a key holding a list or a hash reads as absent, and is replaced, rather than failing.
local current = redis.pcall('GET', KEYS[1])
if version_of(current) ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[4] then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return 1
